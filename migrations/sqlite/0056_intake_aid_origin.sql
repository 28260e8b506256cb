-- 现有对象直接纳入 (issue 23): an amount a roster listed enters the household's assistance chain
-- with an origin of its own, `intake` (名册纳入), instead of `manual` (社工登记): the chain says
-- truly that the county's roster, not a caseworker, recorded it. Entries taken in before are
-- given that origin (their ids begin with `intake-`).
--
-- SQLite cannot change a CHECK: `assistance` is rebuilt with the new origin, its rows kept (the
-- migrations run with foreign keys off; `store::sqlite::migrate`), as in 0046.
CREATE TABLE assistance_new (
    id TEXT PRIMARY KEY,
    household_id TEXT NOT NULL REFERENCES households(id),
    application_id TEXT REFERENCES applications(id),
    kind TEXT NOT NULL,
    source TEXT,
    source_name TEXT NOT NULL DEFAULT '',
    amount INTEGER NOT NULL,
    monthly BOOLEAN NOT NULL,
    period_from TEXT NOT NULL,
    period_until TEXT,
    origin TEXT NOT NULL CHECK (origin IN ('decision','referral','emergency','manual','charity','service','intake')),
    note TEXT NOT NULL DEFAULT '',
    recorded_by TEXT NOT NULL REFERENCES users(id),
    recorded_at INTEGER NOT NULL
);
INSERT INTO assistance_new (id, household_id, application_id, kind, source, source_name, amount,
    monthly, period_from, period_until, origin, note, recorded_by, recorded_at)
    SELECT id, household_id, application_id, kind, source, source_name, amount, monthly,
    period_from, period_until,
    CASE WHEN id LIKE 'intake-%' AND origin = 'manual' THEN 'intake' ELSE origin END,
    note, recorded_by, recorded_at FROM assistance;
DROP TABLE assistance;
ALTER TABLE assistance_new RENAME TO assistance;
CREATE INDEX assistance_household ON assistance(household_id, period_from);
