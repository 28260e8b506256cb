-- Issue 17, hole 11: warning rules belong to a region. An administrator's rule applies to the
-- households of their region's subtree, a more specific region's rule of the same kind
-- overriding it; '' is the deployment's default (the shipped examples), where no region has
-- its own. Rules saved before regions existed keep applying everywhere, as the default.
CREATE TABLE warning_rules_v2 (
    kind TEXT NOT NULL,
    region_code TEXT NOT NULL DEFAULT '',
    level TEXT NOT NULL CHECK (level IN ('I','II','III')),
    visit_days INTEGER NOT NULL,
    threshold INTEGER NOT NULL,
    example BOOLEAN NOT NULL,
    updated_by TEXT,
    updated_at INTEGER NOT NULL,
    enabled BOOLEAN NOT NULL DEFAULT 1,
    PRIMARY KEY (kind, region_code)
);
INSERT INTO warning_rules_v2 (kind, region_code, level, visit_days, threshold, example,
    updated_by, updated_at, enabled)
    SELECT kind, '', level, visit_days, threshold, example, updated_by, updated_at, enabled
    FROM warning_rules;
DROP TABLE warning_rules;
ALTER TABLE warning_rules_v2 RENAME TO warning_rules;
