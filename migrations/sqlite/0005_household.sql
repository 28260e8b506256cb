-- Casework, second part: one file per household (一户一档) across its applications, home
-- visits recorded on tablets (the device makes the id, so a resend records nothing twice),
-- the assistance chain (一户一条救助链) and referrals to departments (需求推送 / 反馈).

-- A household is known by its head's ID number; its applications, aid and referrals hang on it.
CREATE TABLE households (
    id TEXT PRIMARY KEY,
    head_id_number TEXT NOT NULL UNIQUE,
    region_code TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
ALTER TABLE applications ADD COLUMN household_id TEXT REFERENCES households(id);
CREATE INDEX applications_household ON applications(household_id);

-- Applications made before households existed: the first member listed is the head.
INSERT OR IGNORE INTO households (id, head_id_number, region_code, created_at)
    SELECT 'hh-' || id, json_extract(declaration, '$.members[0].id_number'), region_code, submitted_at
    FROM applications WHERE household_id IS NULL AND json_extract(declaration, '$.members[0].id_number') IS NOT NULL;
UPDATE applications SET household_id = (
    SELECT h.id FROM households h WHERE h.head_id_number = json_extract(applications.declaration, '$.members[0].id_number'))
    WHERE household_id IS NULL;

-- Department officers belong to one department.
ALTER TABLE users ADD COLUMN department TEXT;

CREATE TABLE home_visits (
    id TEXT PRIMARY KEY,
    application_id TEXT NOT NULL REFERENCES applications(id),
    based_on TEXT,
    visited_on TEXT NOT NULL,
    -- present, housing, living, assets seen, notes, second staff: JSON
    record TEXT NOT NULL,
    recorded_by TEXT NOT NULL REFERENCES users(id),
    saved_on_device_at INTEGER NOT NULL,
    received_at INTEGER NOT NULL
);
CREATE INDEX home_visits_app ON home_visits(application_id, received_at);

-- Photos and signatures of a visit, by content hash in the blob store.
CREATE TABLE visit_files (
    visit_id TEXT NOT NULL REFERENCES home_visits(id),
    seq INTEGER NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('photo','sign_resident','sign_staff','sign_second_staff')),
    content_hash TEXT NOT NULL,
    mime TEXT NOT NULL,
    size INTEGER NOT NULL,
    PRIMARY KEY (visit_id, seq)
);
CREATE INDEX visit_files_hash ON visit_files(content_hash);

CREATE TABLE assistance (
    id TEXT PRIMARY KEY,
    household_id TEXT NOT NULL REFERENCES households(id),
    application_id TEXT REFERENCES applications(id),
    kind TEXT NOT NULL,
    source TEXT,
    source_name TEXT NOT NULL DEFAULT '',
    amount INTEGER NOT NULL,
    monthly BOOLEAN NOT NULL,
    period_from TEXT NOT NULL,
    period_until TEXT,
    origin TEXT NOT NULL CHECK (origin IN ('decision','referral','emergency','manual','charity')),
    note TEXT NOT NULL DEFAULT '',
    recorded_by TEXT NOT NULL REFERENCES users(id),
    recorded_at INTEGER NOT NULL
);
CREATE INDEX assistance_household ON assistance(household_id, period_from);

CREATE TABLE referrals (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    household_id TEXT NOT NULL REFERENCES households(id),
    region_code TEXT NOT NULL,
    department TEXT NOT NULL,
    need TEXT NOT NULL,
    note TEXT NOT NULL,
    due_on TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'sent' CHECK (status IN ('sent','accepted','done','declined')),
    answer TEXT NOT NULL DEFAULT '',
    assistance_id TEXT REFERENCES assistance(id),
    created_by TEXT NOT NULL REFERENCES users(id),
    created_at INTEGER NOT NULL,
    answered_by TEXT REFERENCES users(id),
    answered_at INTEGER
);
CREATE INDEX referrals_inbox ON referrals(department, status, due_on);
CREATE INDEX referrals_household ON referrals(household_id, id);
