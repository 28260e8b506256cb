-- Issue 17, hole 11: a policy parameter takes effect only once a security administrator other
-- than the one who entered it has approved it (三员分立). A value the security administrator
-- refuses is withdrawn (withdrawn_by names them). Values entered before approval existed were
-- in force already: they count as approved by whoever entered them, when they entered them.
ALTER TABLE policy_parameters ADD COLUMN approved_at BIGINT;
ALTER TABLE policy_parameters ADD COLUMN approved_by TEXT;
UPDATE policy_parameters SET approved_at = created_at, approved_by = created_by;
