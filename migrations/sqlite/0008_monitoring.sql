-- Dynamic monitoring, first part: every person ever declared (department rows are matched
-- by ID number), imports with their report, medical settlements from 医保, warning rules as
-- data (level, visit deadline, threshold; shipped values are examples), and warnings.

CREATE TABLE persons (
    id_number TEXT PRIMARY KEY,
    household_id TEXT NOT NULL REFERENCES households(id)
);
CREATE INDEX persons_household ON persons(household_id);
-- Members of every application so far (the newest application of a person wins), and heads.
INSERT OR IGNORE INTO persons (id_number, household_id)
    SELECT json_extract(m.value, '$.id_number'), a.household_id
    FROM (SELECT * FROM applications WHERE household_id IS NOT NULL ORDER BY submitted_at DESC) a, json_each(a.declaration, '$.members') m
    WHERE json_extract(m.value, '$.id_number') IS NOT NULL;
INSERT OR IGNORE INTO persons (id_number, household_id) SELECT head_id_number, id FROM households;

CREATE TABLE imports (
    id TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    file_hash TEXT NOT NULL,
    file_name TEXT NOT NULL,
    encoding TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('done','refused')),
    rows_read INTEGER NOT NULL,
    new_records INTEGER NOT NULL,
    matched INTEGER NOT NULL,
    invalid INTEGER NOT NULL,
    warnings INTEGER NOT NULL,
    report TEXT NOT NULL,
    created_by TEXT NOT NULL REFERENCES users(id),
    created_at INTEGER NOT NULL
);
CREATE INDEX imports_file ON imports(source, file_hash);

CREATE TABLE medical_records (
    record_key TEXT PRIMARY KEY,
    id_number TEXT NOT NULL,
    settled_on TEXT NOT NULL,
    total INTEGER NOT NULL,
    out_of_pocket INTEGER NOT NULL,
    import_id TEXT NOT NULL REFERENCES imports(id)
);
CREATE INDEX medical_records_person ON medical_records(id_number, settled_on);
CREATE INDEX medical_records_import ON medical_records(import_id);

CREATE TABLE warning_rules (
    kind TEXT PRIMARY KEY,
    level TEXT NOT NULL CHECK (level IN ('I','II','III')),
    visit_days INTEGER NOT NULL,
    threshold INTEGER NOT NULL,
    example BOOLEAN NOT NULL,
    updated_by TEXT,
    updated_at INTEGER NOT NULL
);

CREATE TABLE warnings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    household_id TEXT NOT NULL REFERENCES households(id),
    region_code TEXT NOT NULL,
    kind TEXT NOT NULL,
    level TEXT NOT NULL,
    trigger_facts TEXT NOT NULL,
    visit_due TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'new' CHECK (status IN ('new','assigned','visited','disposed','closed')),
    import_id TEXT REFERENCES imports(id),
    created_at INTEGER NOT NULL
);
-- One open warning per household and rule: a re-import or a later file does not repeat it.
CREATE UNIQUE INDEX warnings_open ON warnings(household_id, kind) WHERE status <> 'closed';
CREATE INDEX warnings_region ON warnings(region_code, status, visit_due);
