-- The review queue reads oldest first and stops after a page: an index in that order lets
-- the database walk it and stop, instead of sorting a county's whole caseload (measured by
-- `make bench` with 100 000 households).
CREATE INDEX applications_order ON applications(submitted_at, number);
