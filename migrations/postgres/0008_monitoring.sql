-- Dynamic monitoring, first part: every person ever declared (department rows are matched
-- by ID number), imports with their report, medical settlements from 医保, warning rules as
-- data (level, visit deadline, threshold; shipped values are examples), and warnings.

CREATE TABLE persons (
    id_number TEXT PRIMARY KEY,
    household_id TEXT NOT NULL REFERENCES households(id)
);
CREATE INDEX persons_household ON persons(household_id);
-- Members of every application so far (the newest application of a person wins), and heads.
INSERT INTO persons (id_number, household_id)
    SELECT DISTINCT ON (m.value ->> 'id_number') m.value ->> 'id_number', a.household_id
    FROM applications a, jsonb_array_elements(a.declaration::jsonb -> 'members') m
    WHERE a.household_id IS NOT NULL AND m.value ->> 'id_number' IS NOT NULL
    ORDER BY m.value ->> 'id_number', a.submitted_at DESC
    ON CONFLICT (id_number) DO NOTHING;
INSERT INTO persons (id_number, household_id) SELECT head_id_number, id FROM households ON CONFLICT (id_number) DO NOTHING;

CREATE TABLE imports (
    id TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    file_hash TEXT NOT NULL,
    file_name TEXT NOT NULL,
    encoding TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('done','refused')),
    rows_read BIGINT NOT NULL,
    new_records BIGINT NOT NULL,
    matched BIGINT NOT NULL,
    invalid BIGINT NOT NULL,
    warnings BIGINT NOT NULL,
    report TEXT NOT NULL,
    created_by TEXT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL
);
CREATE INDEX imports_file ON imports(source, file_hash);

CREATE TABLE medical_records (
    record_key TEXT PRIMARY KEY,
    id_number TEXT NOT NULL,
    settled_on TEXT NOT NULL,
    total BIGINT NOT NULL,
    out_of_pocket BIGINT NOT NULL,
    import_id TEXT NOT NULL REFERENCES imports(id)
);
CREATE INDEX medical_records_person ON medical_records(id_number, settled_on);
CREATE INDEX medical_records_import ON medical_records(import_id);

CREATE TABLE warning_rules (
    kind TEXT PRIMARY KEY,
    level TEXT NOT NULL CHECK (level IN ('I','II','III')),
    visit_days BIGINT NOT NULL,
    threshold BIGINT NOT NULL,
    example BOOLEAN NOT NULL,
    updated_by TEXT,
    updated_at BIGINT NOT NULL
);

CREATE TABLE warnings (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    household_id TEXT NOT NULL REFERENCES households(id),
    region_code TEXT NOT NULL,
    kind TEXT NOT NULL,
    level TEXT NOT NULL,
    trigger_facts TEXT NOT NULL,
    visit_due TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'new' CHECK (status IN ('new','assigned','visited','disposed','closed')),
    import_id TEXT REFERENCES imports(id),
    created_at BIGINT NOT NULL
);
-- One open warning per household and rule: a re-import or a later file does not repeat it.
CREATE UNIQUE INDEX warnings_open ON warnings(household_id, kind) WHERE status <> 'closed';
CREATE INDEX warnings_region ON warnings(region_code, status, visit_due);
