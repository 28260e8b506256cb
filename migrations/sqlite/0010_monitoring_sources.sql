-- Dynamic monitoring, third part: records from every other department (残联, 人社, 公安, 住建,
-- 教育, 应急, vehicles, businesses, relapse watch) as person events; rules can be switched off;
-- each household's declared monthly income (for the medical share-of-income rule).

CREATE TABLE person_events (
    record_key TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    id_number TEXT NOT NULL,
    event TEXT NOT NULL,
    event_on TEXT NOT NULL,
    grade INTEGER,
    amount INTEGER,
    detail TEXT NOT NULL DEFAULT '',
    import_id TEXT NOT NULL REFERENCES imports(id)
);
CREATE INDEX person_events_person ON person_events(id_number, event_on);
CREATE INDEX person_events_import ON person_events(import_id);

ALTER TABLE warning_rules ADD COLUMN enabled BOOLEAN NOT NULL DEFAULT 1;

ALTER TABLE households ADD COLUMN monthly_income INTEGER;
UPDATE households SET monthly_income = (
    SELECT COALESCE(json_extract(a.declaration, '$.income.wages'), 0) + COALESCE(json_extract(a.declaration, '$.income.business'), 0)
         + COALESCE(json_extract(a.declaration, '$.income.property'), 0) + COALESCE(json_extract(a.declaration, '$.income.transfers'), 0)
         + COALESCE(json_extract(a.declaration, '$.income.other'), 0)
    FROM applications a WHERE a.household_id = households.id AND json_valid(a.declaration)
    ORDER BY a.submitted_at DESC LIMIT 1);
