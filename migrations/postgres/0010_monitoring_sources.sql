-- Dynamic monitoring, third part: records from every other department (残联, 人社, 公安, 住建,
-- 教育, 应急, vehicles, businesses, relapse watch) as person events; rules can be switched off;
-- each household's declared monthly income (for the medical share-of-income rule).

CREATE TABLE person_events (
    record_key TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    id_number TEXT NOT NULL,
    event TEXT NOT NULL,
    event_on TEXT NOT NULL,
    grade BIGINT,
    amount BIGINT,
    detail TEXT NOT NULL DEFAULT '',
    import_id TEXT NOT NULL REFERENCES imports(id)
);
CREATE INDEX person_events_person ON person_events(id_number, event_on);
CREATE INDEX person_events_import ON person_events(import_id);

ALTER TABLE warning_rules ADD COLUMN enabled BOOLEAN NOT NULL DEFAULT TRUE;

ALTER TABLE households ADD COLUMN monthly_income BIGINT;
UPDATE households SET monthly_income = (
    SELECT COALESCE((a.declaration::jsonb #>> '{income,wages}')::bigint, 0) + COALESCE((a.declaration::jsonb #>> '{income,business}')::bigint, 0)
         + COALESCE((a.declaration::jsonb #>> '{income,property}')::bigint, 0) + COALESCE((a.declaration::jsonb #>> '{income,transfers}')::bigint, 0)
         + COALESCE((a.declaration::jsonb #>> '{income,other}')::bigint, 0)
    FROM applications a WHERE a.household_id = households.id AND a.declaration LIKE '{%'
    ORDER BY a.submitted_at DESC LIMIT 1);
