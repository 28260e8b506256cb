-- A household's search keys that come from no application: the names of persons taken in from
-- a roster (现有对象直接纳入), so that the household search finds them by name as it finds a
-- declared member (`application_keys`). Keyed digests only (the names stay sealed in
-- `caseload`); rows of earlier intakes are keyed once at start (`maintenance_done`).
CREATE TABLE household_keys (
    household_id TEXT NOT NULL REFERENCES households(id),
    kind TEXT NOT NULL,
    digest TEXT NOT NULL,
    PRIMARY KEY (kind, digest, household_id)
);
