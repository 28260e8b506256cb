-- 基层上报 / 主动发现 (issue 22; Liaoning 二(二)3(2), Zhangye (三)): a grid worker or village
-- (community) assistant (网格员 / 村(社区)协理员), an account scoped to one village, reports a
-- household that seems in difficulty; the report is a lead in the caseworkers' queue with its
-- source. A caseworker closes it with a reason, or records the household's consent and makes
-- the application on its behalf (依申请, by proxy): the application belongs to the household's
-- own resident account (made for its phone number when it has none; the household claims it by
-- registering with that number). What was seen, who and the ID numbers are sealed.
ALTER TABLE users DROP CONSTRAINT users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_check
    CHECK (role IN ('resident','caseworker','department','charity','admin','grid_worker'));

CREATE TABLE leads (
    id TEXT PRIMARY KEY,
    region_code TEXT NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('grid_worker')),
    reported_by TEXT NOT NULL REFERENCES users(id),
    seen TEXT NOT NULL,
    who TEXT NOT NULL,
    address TEXT NOT NULL,
    contact_phone TEXT NOT NULL,
    id_numbers TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('open', 'consented', 'converted', 'closed')),
    close_reason TEXT CHECK (close_reason IN ('already_covered', 'not_in_need', 'declined', 'moved_away', 'duplicate')),
    note TEXT NOT NULL DEFAULT '',
    handled_by TEXT REFERENCES users(id),
    handled_at BIGINT,
    consent_by TEXT NOT NULL DEFAULT '',
    consent_form TEXT CHECK (consent_form IN ('signed_form', 'in_person')),
    consent_on TEXT,
    household_account TEXT REFERENCES users(id),
    application_id TEXT REFERENCES applications(id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX leads_queue ON leads(region_code, state, created_at);
CREATE INDEX leads_reporter ON leads(reported_by, created_at);
CREATE INDEX leads_account ON leads(household_account, state);
CREATE TABLE lead_files (
    id TEXT PRIMARY KEY,
    lead_id TEXT NOT NULL REFERENCES leads(id),
    file_name TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    mime TEXT NOT NULL,
    size BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX lead_files_lead ON lead_files(lead_id);
