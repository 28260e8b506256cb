-- Medical settlements keep one index instead of two (a province's 1 000 000-row import writes
-- half a million rows, and each index costs every row): unique by household, person, day and
-- amounts. A person's household never changes (0027), so this is the same rule as
-- `medical_records_same`; its household prefix is what the rules read (each touched
-- household's 12 months), as `medical_records_household` was.
CREATE UNIQUE INDEX medical_records_key
    ON medical_records(household_id, id_number, settled_on, total, out_of_pocket);
DROP INDEX medical_records_same;
DROP INDEX medical_records_household;
