-- The parameters an assessment applied, stored once per distinct set (they are public and the
-- same for every household of a village, urban or rural, on a day) instead of in each
-- assessment: ~5 KB of JSON per assessment, a third of what a submission wrote. Assessments
-- from before keep theirs in `parameters`; new ones name their set here and leave it empty.
CREATE TABLE parameter_sets (
    digest TEXT PRIMARY KEY,
    parameters TEXT NOT NULL
);
ALTER TABLE assessments ADD COLUMN parameter_set TEXT REFERENCES parameter_sets(digest);
