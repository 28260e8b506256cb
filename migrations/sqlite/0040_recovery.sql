-- 追回 (Zhangye (十六), issue 21): a case per overpayment to recover, with its reason and
-- decision; repayments as they come; a write-off of what is left only with a second person's
-- approval. The sums can never pass the amount (CHECKs), whatever a step tries.
CREATE TABLE recovery_cases (
    id TEXT PRIMARY KEY,
    household_id TEXT NOT NULL REFERENCES households(id),
    region_code TEXT NOT NULL,
    reason TEXT NOT NULL CHECK (reason IN ('paid_after_exit', 'paid_after_death',
        'entitlement_changed', 'false_declaration', 'other')),
    amount INTEGER NOT NULL CHECK (amount > 0),
    repaid INTEGER NOT NULL DEFAULT 0 CHECK (repaid >= 0),
    written_off INTEGER NOT NULL DEFAULT 0 CHECK (written_off >= 0),
    state TEXT NOT NULL CHECK (state IN ('open', 'write_off_asked', 'closed')),
    decision TEXT NOT NULL,
    note TEXT NOT NULL,
    write_off_reason TEXT NOT NULL DEFAULT '',
    write_off_asked_by TEXT REFERENCES users(id),
    approved_by TEXT REFERENCES users(id),
    opened_by TEXT NOT NULL REFERENCES users(id),
    opened_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    CHECK (repaid + written_off <= amount)
);
CREATE INDEX recovery_cases_household ON recovery_cases(household_id);
CREATE TABLE recovery_repayments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id TEXT NOT NULL REFERENCES recovery_cases(id),
    amount INTEGER NOT NULL CHECK (amount > 0),
    paid_on TEXT NOT NULL,
    recorded_by TEXT NOT NULL REFERENCES users(id),
    recorded_at INTEGER NOT NULL
);
CREATE INDEX recovery_repayments_case ON recovery_repayments(case_id);
