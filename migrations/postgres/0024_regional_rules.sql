-- Issue 17, hole 11: warning rules belong to a region. An administrator's rule applies to the
-- households of their region's subtree, a more specific region's rule of the same kind
-- overriding it; '' is the deployment's default (the shipped examples), where no region has
-- its own. Rules saved before regions existed keep applying everywhere, as the default.
ALTER TABLE warning_rules ADD COLUMN region_code TEXT NOT NULL DEFAULT '';
ALTER TABLE warning_rules DROP CONSTRAINT warning_rules_pkey;
ALTER TABLE warning_rules ADD PRIMARY KEY (kind, region_code);
