-- Foundation: accounts, regions, declarations, applications and their events, attachments, audit.
-- Times are milliseconds since the Unix epoch (UTC); money is integer fen inside the JSON.

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    role TEXT NOT NULL CHECK (role IN ('resident','caseworker','department','charity','admin')),
    login TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    region_code TEXT,
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until INTEGER,
    created_at INTEGER NOT NULL
);

CREATE TABLE verification_codes (
    phone TEXT PRIMARY KEY,
    code_hash TEXT NOT NULL,
    issued_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE regions (
    code TEXT PRIMARY KEY,
    parent_code TEXT REFERENCES regions(code),
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL,
    demo BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX regions_parent ON regions(parent_code);

CREATE TABLE drafts (
    id TEXT PRIMARY KEY,
    owner_id TEXT NOT NULL REFERENCES users(id),
    data TEXT NOT NULL,
    version INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    submitted BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX drafts_owner ON drafts(owner_id, submitted);
-- One unsubmitted draft per resident, so two tabs edit the same one.
CREATE UNIQUE INDEX drafts_one_open ON drafts(owner_id) WHERE submitted = FALSE;

CREATE TABLE application_counters (
    year INTEGER PRIMARY KEY,
    last_seq INTEGER NOT NULL
);

CREATE TABLE applications (
    id TEXT PRIMARY KEY,
    number TEXT NOT NULL UNIQUE,
    owner_id TEXT NOT NULL REFERENCES users(id),
    draft_id TEXT NOT NULL UNIQUE REFERENCES drafts(id),
    region_code TEXT NOT NULL,
    status TEXT NOT NULL,
    declaration TEXT NOT NULL,
    consent_charity BOOLEAN NOT NULL,
    consent_text_version TEXT NOT NULL,
    submitted_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX applications_owner ON applications(owner_id);
CREATE INDEX applications_region ON applications(region_code, status);

-- Members' ID numbers while an application is open: one open application per person.
CREATE TABLE open_application_members (
    id_number TEXT PRIMARY KEY,
    application_id TEXT NOT NULL REFERENCES applications(id)
);
CREATE INDEX open_members_app ON open_application_members(application_id);

-- Every change to a case is an appended event with actor and time.
CREATE TABLE application_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    application_id TEXT NOT NULL REFERENCES applications(id),
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    actor_id TEXT NOT NULL REFERENCES users(id),
    note TEXT NOT NULL DEFAULT '',
    at INTEGER NOT NULL
);
CREATE INDEX application_events_app ON application_events(application_id, id);

CREATE TABLE info_requests (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    application_id TEXT NOT NULL REFERENCES applications(id),
    question TEXT NOT NULL,
    asked_by TEXT NOT NULL REFERENCES users(id),
    asked_at INTEGER NOT NULL,
    answer TEXT,
    answered_at INTEGER
);

-- Consents, each separate and explicit, with the version of the text shown.
CREATE TABLE consents (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id TEXT NOT NULL REFERENCES users(id),
    application_id TEXT NOT NULL REFERENCES applications(id),
    kind TEXT NOT NULL CHECK (kind IN ('verification','charity_sharing')),
    granted BOOLEAN NOT NULL,
    text_version TEXT NOT NULL,
    at INTEGER NOT NULL
);

CREATE TABLE attachments (
    id TEXT PRIMARY KEY,
    owner_id TEXT NOT NULL REFERENCES users(id),
    draft_id TEXT NOT NULL REFERENCES drafts(id),
    kind TEXT NOT NULL,
    file_name TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    mime TEXT NOT NULL,
    size INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX attachments_draft ON attachments(draft_id);

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    actor_id TEXT,
    action TEXT NOT NULL,
    object TEXT NOT NULL,
    result TEXT NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX audit_log_at ON audit_log(at);
