-- Department records are kept only for persons in the database (data minimisation): an import
-- counts a row naming nobody here as unmatched and stores nothing of it. Rows kept by earlier
-- imports for such persons go.
--
-- Persons and medical settlements become clustered by their key (WITHOUT ROWID): an import's
-- lookup of a person, or of a settlement already stored, is then one B-tree search instead of
-- an index search and a table search.
CREATE TABLE persons_v2 (
    id_number TEXT PRIMARY KEY,
    household_id TEXT NOT NULL REFERENCES households(id)
) WITHOUT ROWID;
INSERT INTO persons_v2 (id_number, household_id) SELECT id_number, household_id FROM persons;
DROP TABLE persons;
ALTER TABLE persons_v2 RENAME TO persons;
CREATE INDEX persons_household ON persons(household_id);

CREATE TABLE medical_records_v2 (
    id_number TEXT NOT NULL,
    settled_on TEXT NOT NULL,
    total INTEGER NOT NULL,
    out_of_pocket INTEGER NOT NULL,
    import_id TEXT NOT NULL REFERENCES imports(id),
    PRIMARY KEY (id_number, settled_on, total, out_of_pocket)
) WITHOUT ROWID;
INSERT INTO medical_records_v2 (id_number, settled_on, total, out_of_pocket, import_id)
    SELECT id_number, settled_on, total, out_of_pocket, import_id FROM medical_records
    WHERE id_number IN (SELECT id_number FROM persons);
DROP TABLE medical_records;
ALTER TABLE medical_records_v2 RENAME TO medical_records;

DELETE FROM person_events WHERE id_number NOT IN (SELECT id_number FROM persons);
