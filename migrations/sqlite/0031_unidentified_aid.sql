-- 生活无着流浪乞讨人员救助 and emergency aid to a person whose identity is not known (Liaoning
-- 二(三)3): recorded where they were found, without a household (there is no ID number to file it
-- under). The name they gave, how to recognise them and what happened are sealed like an
-- emergency's (`crate::crypto`).
CREATE TABLE unidentified_aid (
    id TEXT PRIMARY KEY,
    region_code TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    situation TEXT NOT NULL,
    amount INTEGER NOT NULL CHECK (amount > 0),
    advance BOOLEAN NOT NULL,
    documents_due TEXT,
    conference TEXT NOT NULL DEFAULT '',
    recorded_by TEXT NOT NULL REFERENCES users(id),
    recorded_at INTEGER NOT NULL
);
CREATE INDEX unidentified_aid_region ON unidentified_aid(region_code, recorded_at);
