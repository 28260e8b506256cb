-- 现有对象直接纳入 (issue 23; Zhangye (三), (十四) 不再重复排查): a county imports its current
-- rosters (Dibao, Tekun, Dibao-marginal, rigid-expense, relapse-watch, disabled persons) so that
-- monitoring starts from its real caseload. Each listed person is a row of `caseload` under their
-- household (found by the head's ID number, or made), and a member of it in `persons` (so that
-- departments' records find them); a listing in assistance sets the household's standing and
-- its amount joins the assistance chain. A relapse-watch listing sets the household's flag: a
-- later listing from 乡村振兴 raises no warning for it. Names, ID numbers and a disability's
-- kind are sealed; the same person on the same roster is taken once (an intake again adds
-- nothing).
ALTER TABLE households ADD COLUMN relapse_watch_since TEXT;

CREATE TABLE intakes (
    id TEXT PRIMARY KEY,
    roster TEXT NOT NULL CHECK (roster IN ('dibao', 'tekun', 'dibao_marginal', 'rigid_expense', 'relapse_watch', 'disabled')),
    file_hash TEXT NOT NULL,
    file_name TEXT NOT NULL,
    region_code TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('done', 'refused')),
    rows_read INTEGER NOT NULL DEFAULT 0,
    taken INTEGER NOT NULL DEFAULT 0,
    report TEXT NOT NULL DEFAULT '',
    created_by TEXT NOT NULL REFERENCES users(id),
    created_at INTEGER NOT NULL
);
CREATE INDEX intakes_region ON intakes(region_code, created_at);

CREATE TABLE caseload (
    roster TEXT NOT NULL,
    person_key TEXT NOT NULL,
    household_id TEXT NOT NULL REFERENCES households(id),
    person_id TEXT NOT NULL,
    person_name TEXT NOT NULL,
    relation TEXT NOT NULL,
    monthly_amount INTEGER,
    since TEXT NOT NULL,
    grade INTEGER,
    detail TEXT NOT NULL DEFAULT '',
    intake_id TEXT NOT NULL REFERENCES intakes(id),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (roster, person_key)
);
CREATE INDEX caseload_household ON caseload(household_id);
