-- Casework, third part: the rest of the cycle. Background work as claimed rows (several
-- server processes, each item done once), caseworker tasks with due dates (annual reviews,
-- the end of a 渐退期, overdue referrals, documents owed after advance aid), the household's
-- standing in the low-income database (kept and searchable after rejection or exit), and
-- emergency aid (急难救助 / 先行救助) with its 一事一议 record.

CREATE TABLE work_items (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    payload TEXT NOT NULL DEFAULT '',
    run_at BIGINT NOT NULL,
    claimed_by TEXT,
    claimed_until BIGINT,
    done_at BIGINT,
    attempts BIGINT NOT NULL DEFAULT 0,
    last_error TEXT,
    UNIQUE (kind, subject, run_at)
);
CREATE INDEX work_items_due ON work_items(run_at) WHERE done_at IS NULL;

CREATE TABLE tasks (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('annual_review','taper_end','referral_overdue','documents_due')),
    household_id TEXT NOT NULL REFERENCES households(id),
    region_code TEXT NOT NULL,
    subject TEXT NOT NULL,
    due_on TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open','done')),
    note TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    done_at BIGINT,
    done_by TEXT REFERENCES users(id),
    UNIQUE (kind, subject, due_on)
);
CREATE INDEX tasks_open ON tasks(region_code, status, due_on);

-- applicant | in_assistance | rejected | exited, and since when (ms).
ALTER TABLE households ADD COLUMN standing TEXT NOT NULL DEFAULT 'applicant';
ALTER TABLE households ADD COLUMN standing_at BIGINT;
ALTER TABLE households ADD COLUMN exit_reason TEXT NOT NULL DEFAULT '';
-- The last day of assistance when exiting (after a 渐退期).
ALTER TABLE households ADD COLUMN assistance_until TEXT;

CREATE TABLE emergency_aid (
    id TEXT PRIMARY KEY,
    household_id TEXT NOT NULL REFERENCES households(id),
    region_code TEXT NOT NULL,
    person_name TEXT NOT NULL,
    situation TEXT NOT NULL,
    advance BOOLEAN NOT NULL,
    documents_due TEXT,
    documents_received_at BIGINT,
    conference TEXT NOT NULL DEFAULT '',
    assistance_id TEXT NOT NULL REFERENCES assistance(id),
    recorded_by TEXT NOT NULL REFERENCES users(id),
    recorded_at BIGINT NOT NULL
);
CREATE INDEX emergency_aid_household ON emergency_aid(household_id);
