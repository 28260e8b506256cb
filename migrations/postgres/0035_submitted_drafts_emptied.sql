-- A submitted draft keeps no copy of the declaration: the application holds it (one copy of a
-- household's personal data, not two). Drafts submitted before are emptied here; a submission
-- empties its draft from now on.
UPDATE drafts SET data = '' WHERE submitted = TRUE;
