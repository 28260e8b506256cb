-- Policy as code: dated regional parameters (history kept, nothing overwritten), the
-- assessment recorded with each submission, and reassessments proposed when a change takes effect.

CREATE TABLE policy_parameters (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    key TEXT NOT NULL,
    region_code TEXT NOT NULL,
    residence TEXT CHECK (residence IN ('urban','rural')),
    value BIGINT NOT NULL,
    effective_from TEXT NOT NULL,
    source TEXT NOT NULL,
    example BOOLEAN NOT NULL DEFAULT FALSE,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    withdrawn_at BIGINT,
    withdrawn_by TEXT,
    -- Set once the reassessment job has proposed reassessments for this change.
    reassessed_at BIGINT
);
CREATE INDEX policy_parameters_key ON policy_parameters(key, region_code);
CREATE INDEX policy_parameters_due ON policy_parameters(effective_from) WHERE reassessed_at IS NULL;

-- Every assessment is appended; an application's current one is its latest.
CREATE TABLE assessments (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    application_id TEXT NOT NULL REFERENCES applications(id),
    reason TEXT NOT NULL CHECK (reason IN ('submission','reassessment','verification')),
    facts TEXT NOT NULL,
    parameters TEXT NOT NULL,
    assessment TEXT NOT NULL,
    categories TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX assessments_app ON assessments(application_id, id);

CREATE TABLE reassessment_proposals (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    application_id TEXT NOT NULL REFERENCES applications(id),
    parameter_id BIGINT NOT NULL REFERENCES policy_parameters(id),
    from_categories TEXT NOT NULL,
    to_categories TEXT NOT NULL,
    facts TEXT NOT NULL,
    parameters TEXT NOT NULL,
    assessment TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open','accepted','dismissed')),
    created_at BIGINT NOT NULL,
    UNIQUE (application_id, parameter_id)
);
CREATE INDEX reassessment_proposals_status ON reassessment_proposals(status, id);
