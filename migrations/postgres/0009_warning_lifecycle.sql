-- Warnings, second part: who handles one, what the visit found, how it was disposed of, when
-- it closed, and escalation to the county when the visit deadline passes.
ALTER TABLE warnings ADD COLUMN assigned_to TEXT REFERENCES users(id);
ALTER TABLE warnings ADD COLUMN visited_on TEXT;
ALTER TABLE warnings ADD COLUMN finding TEXT;
ALTER TABLE warnings ADD COLUMN disposal TEXT;
ALTER TABLE warnings ADD COLUMN note TEXT NOT NULL DEFAULT '';
ALTER TABLE warnings ADD COLUMN escalated_at BIGINT;
ALTER TABLE warnings ADD COLUMN closed_at BIGINT;
CREATE INDEX warnings_overdue ON warnings(visit_due) WHERE visited_on IS NULL AND escalated_at IS NULL;
