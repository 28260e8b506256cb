-- Medical settlements are the same record when person, day and amounts are: a unique index on
-- those replaces the text key (a smaller index, and the person's lookups use its prefix). The
-- index by import goes too: imports find the households they touched while their rows go in.
ALTER TABLE medical_records DROP CONSTRAINT medical_records_pkey;
ALTER TABLE medical_records DROP COLUMN record_key;
DROP INDEX medical_records_person;
CREATE UNIQUE INDEX medical_records_same ON medical_records(id_number, settled_on, total, out_of_pocket);
DROP INDEX medical_records_import;
