-- Several server processes on one database (issue 23): what one process counts that another
-- must see. Requests per client address a minute on the sign-in, registration and SMS endpoints
-- (beside the sign-in attempts of `login_attempts`, already here), and how far each running
-- import has come, written by the process reading it and read by whichever process serves the
-- uploader's progress bar. Rows of minutes past and of imports whose process died are purged
-- by the daily job.
CREATE TABLE request_counts (
    counter TEXT NOT NULL,
    minute INTEGER NOT NULL,
    calls INTEGER NOT NULL,
    PRIMARY KEY (counter, minute)
);
CREATE TABLE import_runs (
    user_id TEXT NOT NULL,
    run TEXT NOT NULL,
    total_bytes INTEGER NOT NULL,
    read_bytes INTEGER NOT NULL,
    rows INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, run)
);
