-- Policy as code: dated regional parameters (history kept, nothing overwritten), the
-- assessment recorded with each submission, and reassessments proposed when a change takes effect.

CREATE TABLE policy_parameters (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT NOT NULL,
    region_code TEXT NOT NULL,
    residence TEXT CHECK (residence IN ('urban','rural')),
    value INTEGER NOT NULL,
    effective_from TEXT NOT NULL,
    source TEXT NOT NULL,
    example INTEGER NOT NULL DEFAULT 0,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    withdrawn_at INTEGER,
    withdrawn_by TEXT,
    -- Set once the reassessment job has proposed reassessments for this change.
    reassessed_at INTEGER
);
CREATE INDEX policy_parameters_key ON policy_parameters(key, region_code);
CREATE INDEX policy_parameters_due ON policy_parameters(effective_from) WHERE reassessed_at IS NULL;

-- Every assessment is appended; an application's current one is its latest.
CREATE TABLE assessments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    application_id TEXT NOT NULL REFERENCES applications(id),
    reason TEXT NOT NULL CHECK (reason IN ('submission','reassessment','verification')),
    facts TEXT NOT NULL,
    parameters TEXT NOT NULL,
    assessment TEXT NOT NULL,
    categories TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX assessments_app ON assessments(application_id, id);

CREATE TABLE reassessment_proposals (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    application_id TEXT NOT NULL REFERENCES applications(id),
    parameter_id INTEGER NOT NULL REFERENCES policy_parameters(id),
    from_categories TEXT NOT NULL,
    to_categories TEXT NOT NULL,
    facts TEXT NOT NULL,
    parameters TEXT NOT NULL,
    assessment TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open','accepted','dismissed')),
    created_at INTEGER NOT NULL,
    UNIQUE (application_id, parameter_id)
);
CREATE INDEX reassessment_proposals_status ON reassessment_proposals(status, id);
