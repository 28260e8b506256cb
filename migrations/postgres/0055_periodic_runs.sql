-- Periodic chores every server process's job loop reaches (the sweep of unnamed stored files,
-- the purge of expired records): one process claims each period, so that N processes on one
-- database do not each list the whole object store every hour (issue 23, several servers).
CREATE TABLE periodic_runs (
    name TEXT PRIMARY KEY,
    last_at BIGINT NOT NULL
);
