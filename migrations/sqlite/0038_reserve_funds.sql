-- 乡镇临时救助备用金 (Zhangye (九), issue 21): each township's reserve for 先行救助, credited by
-- the county and spent by advance emergency aid. The balance is moved by one conditional UPDATE
-- (never below zero; the CHECK says so again), and every movement is an entry with the balance
-- it left, from which a month is reconciled.
CREATE TABLE reserve_funds (
    township TEXT PRIMARY KEY,
    balance INTEGER NOT NULL CHECK (balance >= 0),
    updated_at INTEGER NOT NULL
);
CREATE TABLE reserve_entries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    township TEXT NOT NULL REFERENCES reserve_funds(township),
    kind TEXT NOT NULL CHECK (kind IN ('allocation', 'top_up', 'spend')),
    amount INTEGER NOT NULL CHECK (amount > 0),
    balance_after INTEGER NOT NULL CHECK (balance_after >= 0),
    emergency_id TEXT,
    note TEXT NOT NULL DEFAULT '',
    recorded_by TEXT NOT NULL REFERENCES users(id),
    recorded_at INTEGER NOT NULL
);
CREATE INDEX reserve_entries_township ON reserve_entries(township, recorded_at);
