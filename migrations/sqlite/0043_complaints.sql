-- 投诉举报 (issue 22; Zhangye (十六), Liaoning 三(四)): complaints and reports filed by anyone,
-- signed in or not. The filer follows one with its tracking number and a secret code (stored
-- hashed). What the filer wrote, who they are and the reply are sealed (`server::crypto`); the
-- filer's identity is shown only to the complaint's handler. `handling_region` is where it is
-- handled (a member of staff's conduct: the office above theirs), moved up when overdue.
CREATE TABLE complaints (
    id TEXT PRIMARY KEY,
    tracking TEXT NOT NULL UNIQUE,
    code_hash TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('decision', 'fraud', 'conduct', 'unhelped', 'notice_objection')),
    region_code TEXT NOT NULL,
    handling_region TEXT NOT NULL,
    application_id TEXT REFERENCES applications(id),
    staff_office TEXT,
    subject TEXT NOT NULL,
    person_id TEXT NOT NULL,
    body TEXT NOT NULL,
    filer_name TEXT NOT NULL,
    filer_phone TEXT NOT NULL,
    filer_user TEXT REFERENCES users(id),
    filed_from TEXT NOT NULL,
    -- The form's question (a keyed token, `api::complaints`): one complaint per question.
    question_nonce TEXT NOT NULL UNIQUE,
    state TEXT NOT NULL CHECK (state IN ('received', 'investigating', 'answered')),
    due_on TEXT NOT NULL,
    escalations INTEGER NOT NULL DEFAULT 0,
    assigned_to TEXT REFERENCES users(id),
    outcome TEXT CHECK (outcome IN ('unfounded', 'corrected', 'recovery_opened', 'referred')),
    reply TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    answered_at INTEGER
);
CREATE INDEX complaints_handling ON complaints(handling_region, state, due_on);
CREATE INDEX complaints_filed_from ON complaints(filed_from, created_at);
CREATE INDEX complaints_application ON complaints(application_id);
CREATE TABLE complaint_notes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    complaint_id TEXT NOT NULL REFERENCES complaints(id),
    kind TEXT NOT NULL CHECK (kind IN ('note', 'assigned', 'escalated', 'answered')),
    author TEXT,
    body TEXT NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX complaint_notes_complaint ON complaint_notes(complaint_id, id);
-- What a filer attaches (the same checks as a declaration's files; at most 5): the file's name
-- sealed, its bytes in the blob store by content hash.
CREATE TABLE complaint_files (
    id TEXT PRIMARY KEY,
    complaint_id TEXT NOT NULL REFERENCES complaints(id),
    file_name TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    mime TEXT NOT NULL,
    size BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX complaint_files_complaint ON complaint_files(complaint_id);
