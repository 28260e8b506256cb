-- A department's record of a person (its source, kind, date, a disability's grade, an amount, its
-- detail) is kept whole in one sealed column: in a copy of the database it says nothing of whom
-- it concerns or what happened to them. Rows written before are sealed once at start
-- (`field_encryption_v3`), which also empties the clear columns; new rows leave them empty. Their
-- key is the keyed digest of what makes two records the same, no longer that text itself.
ALTER TABLE person_events ADD COLUMN record TEXT;
