-- 现有对象直接纳入 (issue 23): a household taken in from a Dibao, Tekun, Dibao-marginal or
-- rigid-expense roster holds a decision in force made by the intake, not by an application, so
-- that it is on the 花名册 with its category and amount and in the county's payment rolls.
-- A decision now comes from exactly one of an application or an intake.
--
-- SQLite cannot drop a NOT NULL: `decisions` is rebuilt, its rows and ids kept (the migrations
-- run with foreign keys off; `store::sqlite::migrate`).
CREATE TABLE decisions_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    application_id TEXT REFERENCES applications(id),
    intake_id TEXT REFERENCES intakes(id),
    category TEXT NOT NULL,
    monthly_amount INTEGER NOT NULL,
    proposed_category TEXT,
    proposed_amount INTEGER,
    adjustment_reason TEXT NOT NULL DEFAULT '',
    effective_from TEXT NOT NULL,
    notice_until TEXT NOT NULL,
    decided_by TEXT NOT NULL REFERENCES users(id),
    decided_at INTEGER NOT NULL,
    CHECK ((application_id IS NULL) <> (intake_id IS NULL))
);
INSERT INTO decisions_new (id, application_id, category, monthly_amount, proposed_category,
    proposed_amount, adjustment_reason, effective_from, notice_until, decided_by, decided_at)
    SELECT id, application_id, category, monthly_amount, proposed_category, proposed_amount,
    adjustment_reason, effective_from, notice_until, decided_by, decided_at FROM decisions;
-- Ids are never used twice: the new table's counter goes on from the old one's.
UPDATE sqlite_sequence SET seq = MAX(seq, (SELECT seq FROM sqlite_sequence WHERE name = 'decisions'))
    WHERE name = 'decisions_new';
DROP TABLE decisions;
ALTER TABLE decisions_new RENAME TO decisions;
CREATE INDEX decisions_app ON decisions(application_id, id);

-- A roster's address and phone are kept (sealed, as its names are) for its listed persons: a
-- taken-in household that never applied is reached, and shown on the 花名册, through them.
ALTER TABLE caseload ADD COLUMN address TEXT NOT NULL DEFAULT '';
ALTER TABLE caseload ADD COLUMN phone TEXT NOT NULL DEFAULT '';
