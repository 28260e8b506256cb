-- A medical settlement carries its person's household: the import's rules sum a touched
-- household's 12 months from one index range instead of one search per member. A person's
-- household never changes (a person is written once: `INSERT ... ON CONFLICT (id_number) DO
-- NOTHING`); should persons ever move between households, their settlements must move with them.
-- Settlements stay unique by person, date and amounts (`medical_records_same`).
ALTER TABLE medical_records ADD COLUMN household_id TEXT;
UPDATE medical_records m SET household_id = p.household_id FROM persons p
    WHERE p.id_number = m.id_number;
DELETE FROM medical_records WHERE household_id IS NULL;
ALTER TABLE medical_records ALTER COLUMN household_id SET NOT NULL;
CREATE INDEX medical_records_household ON medical_records(household_id, settled_on);

-- The import checks each matched person's household is in the officer's region (index-only).
CREATE INDEX households_scope ON households(id, region_code);
