-- Medical settlements are the same record when person, day and amounts are: a unique index on
-- those replaces the text key (a smaller index, and the person's lookups use its prefix). The
-- index by import goes too: imports find the households they touched while their rows go in.
CREATE TABLE medical_records_v2 (
    id_number TEXT NOT NULL,
    settled_on TEXT NOT NULL,
    total INTEGER NOT NULL,
    out_of_pocket INTEGER NOT NULL,
    import_id TEXT NOT NULL REFERENCES imports(id)
);
INSERT INTO medical_records_v2 (id_number, settled_on, total, out_of_pocket, import_id)
    SELECT id_number, settled_on, total, out_of_pocket, import_id FROM medical_records;
DROP TABLE medical_records;
ALTER TABLE medical_records_v2 RENAME TO medical_records;
CREATE UNIQUE INDEX medical_records_same ON medical_records(id_number, settled_on, total, out_of_pocket);
