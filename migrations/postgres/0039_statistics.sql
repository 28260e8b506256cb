-- 统计 (issue 21): the dashboard and the monthly statistical report read maintained figures,
-- never the caseload itself. `stat_figures` holds one row per region (every level, province to
-- village), measure, month ('' for a count as of the refresh) and up to two dimensions; it is
-- replaced whole by the statistics refresh (a background job, and staff's "refresh now"), in
-- one transaction, so a reader sees one refresh or the next, never half of one.
-- A household's urban/rural residence and a Tekun household's support mode are recorded when
-- its decision takes effect (from the verified facts): the report splits by them.
ALTER TABLE households ADD COLUMN residence TEXT;
ALTER TABLE households ADD COLUMN support_mode TEXT;
CREATE TABLE stat_figures (
    region TEXT NOT NULL,
    parent TEXT NOT NULL,
    measure TEXT NOT NULL,
    month TEXT NOT NULL,
    k1 TEXT NOT NULL,
    k2 TEXT NOT NULL,
    n BIGINT NOT NULL,
    amount BIGINT NOT NULL,
    PRIMARY KEY (region, measure, month, k1, k2)
);
CREATE INDEX stat_figures_parent ON stat_figures(parent, measure, month);
CREATE TABLE stat_refresh (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    refreshed_at BIGINT NOT NULL,
    took_ms BIGINT NOT NULL
);
INSERT INTO stat_refresh (id, refreshed_at, took_ms) VALUES (1, 0, 0);
