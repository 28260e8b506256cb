-- Issue 17. Hole 3: an administrator revokes a verified charity; stored as status 'rejected'
-- with the time of revocation (so every query for verified charities leaves it out, and the
-- status check of 0012 stays as it is).
ALTER TABLE charities ADD COLUMN revoked_at INTEGER;

-- Hole 7: a charity's own commitment opens the household's contact only once a caseworker of
-- the household's region has confirmed it; a caseworker's proposal is confirmed by its author.
ALTER TABLE charity_matches ADD COLUMN confirmed_by TEXT REFERENCES users(id);
ALTER TABLE charity_matches ADD COLUMN confirmed_at INTEGER;
UPDATE charity_matches SET confirmed_by = created_by, confirmed_at = created_at
    WHERE created_by IN (SELECT id FROM users WHERE role = 'caseworker');
