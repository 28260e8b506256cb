-- Casework, first part: the review queue's filter on help asked for, decisions with the
-- public notice (公示) period, and objections recorded during the notice.

-- Help kinds asked for, as ",basic_living,medical," so one LIKE finds a kind.
ALTER TABLE applications ADD COLUMN help TEXT NOT NULL DEFAULT '';
CREATE INDEX applications_queue ON applications(region_code, submitted_at, number);

CREATE TABLE decisions (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    application_id TEXT NOT NULL REFERENCES applications(id),
    category TEXT NOT NULL,
    monthly_amount BIGINT NOT NULL,
    proposed_category TEXT,
    proposed_amount BIGINT,
    adjustment_reason TEXT NOT NULL DEFAULT '',
    effective_from TEXT NOT NULL,
    notice_until TEXT NOT NULL,
    decided_by TEXT NOT NULL REFERENCES users(id),
    decided_at BIGINT NOT NULL
);
CREATE INDEX decisions_app ON decisions(application_id, id);

CREATE TABLE objections (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    application_id TEXT NOT NULL REFERENCES applications(id),
    text TEXT NOT NULL,
    recorded_by TEXT NOT NULL REFERENCES users(id),
    at BIGINT NOT NULL
);
CREATE INDEX objections_app ON objections(application_id, id);
