-- 随机调查 (issue 22; Zhangye (五)): a caseworker draws a random sample of a region's households
-- in assistance with a recorded seed (the same seed over the same households draws the same
-- sample: `domain::survey`), each sampled household a visit task with a deadline. SQLite cannot
-- change a CHECK: `tasks` is rebuilt with the new kind, its rows and ids kept.
CREATE TABLE tasks_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL CHECK (kind IN ('annual_review','taper_end','referral_overdue','documents_due','random_survey')),
    household_id TEXT NOT NULL REFERENCES households(id),
    region_code TEXT NOT NULL,
    subject TEXT NOT NULL,
    due_on TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open','done')),
    note TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    done_at INTEGER,
    done_by TEXT REFERENCES users(id),
    UNIQUE (kind, subject, due_on)
);
INSERT INTO tasks_new (id, kind, household_id, region_code, subject, due_on, status, note, created_at, done_at, done_by)
    SELECT id, kind, household_id, region_code, subject, due_on, status, note, created_at, done_at, done_by FROM tasks;
DROP TABLE tasks;
ALTER TABLE tasks_new RENAME TO tasks;
CREATE INDEX tasks_open ON tasks(region_code, status, due_on);

CREATE TABLE random_surveys (
    id TEXT PRIMARY KEY,
    region_code TEXT NOT NULL,
    seed TEXT NOT NULL,
    population INTEGER NOT NULL,
    population_digest TEXT NOT NULL,
    sample_size INTEGER NOT NULL,
    due_on TEXT NOT NULL,
    households TEXT NOT NULL,
    drawn_by TEXT NOT NULL REFERENCES users(id),
    drawn_at INTEGER NOT NULL
);
CREATE INDEX random_surveys_region ON random_surveys(region_code, drawn_at);
