-- 现有对象直接纳入 (issue 23): a household taken in from a Dibao, Tekun, Dibao-marginal or
-- rigid-expense roster holds a decision in force made by the intake, not by an application, so
-- that it is on the 花名册 with its category and amount and in the county's payment rolls.
-- A decision now comes from exactly one of an application or an intake.
ALTER TABLE decisions ALTER COLUMN application_id DROP NOT NULL;
ALTER TABLE decisions ADD COLUMN intake_id TEXT REFERENCES intakes(id);
ALTER TABLE decisions ADD CONSTRAINT decisions_origin
    CHECK ((application_id IS NULL) <> (intake_id IS NULL));

-- A roster's address and phone are kept (sealed, as its names are) for its listed persons: a
-- taken-in household that never applied is reached, and shown on the 花名册, through them.
ALTER TABLE caseload ADD COLUMN address TEXT NOT NULL DEFAULT '';
ALTER TABLE caseload ADD COLUMN phone TEXT NOT NULL DEFAULT '';
