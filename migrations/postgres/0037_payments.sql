-- Monthly payments (资金发放, issue 21): one roll per county and month, computed from the
-- decisions in force (渐退期, exits and deaths reported by imports taken into account), prepared
-- by one county staff member and approved by another, then frozen; the bank's return file marks
-- each line paid or failed. A household's `paid_through` is the last month a frozen roll paid it:
-- arrears are the months after it, so no month is paid twice.
CREATE TABLE payment_rolls (
    id TEXT PRIMARY KEY,
    county TEXT NOT NULL,
    month TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('prepared', 'approved', 'reconciled')),
    households BIGINT NOT NULL,
    total BIGINT NOT NULL,
    held BIGINT NOT NULL,
    prepared_by TEXT NOT NULL REFERENCES users(id),
    prepared_at BIGINT NOT NULL,
    approved_by TEXT REFERENCES users(id),
    approved_at BIGINT,
    reconciled_at BIGINT,
    UNIQUE (county, month)
);

-- One line per household of a roll: this month's amount, arrears, what is held, why (notes: a
-- JSON list of coded notes, no personal data), and the bank's answer. No foreign keys: a roll's
-- lines are written in bulk (a county's million on PostgreSQL by COPY, where each key would be
-- a check per row, most of the time spent) in the transaction that reads the households they
-- name and writes the roll they belong to; only that transaction writes or removes them.
CREATE TABLE payment_lines (
    roll_id TEXT NOT NULL,
    household_id TEXT NOT NULL,
    region_code TEXT NOT NULL,
    category TEXT NOT NULL,
    fund TEXT NOT NULL,
    monthly BIGINT NOT NULL,
    arrears BIGINT NOT NULL,
    arrears_months BIGINT NOT NULL,
    amount BIGINT NOT NULL,
    held BIGINT NOT NULL,
    paid_through_before TEXT,
    notes TEXT NOT NULL,
    bank_status TEXT CHECK (bank_status IN ('paid', 'failed')),
    bank_reason TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (roll_id, household_id)
);
CREATE INDEX payment_lines_household ON payment_lines(household_id);

ALTER TABLE households ADD COLUMN paid_through TEXT;

-- The decision in force (the latest decision of the application finalised last), kept on the
-- household when an application is finalised: rolls and rosters read it by one join.
ALTER TABLE households ADD COLUMN decision_id BIGINT REFERENCES decisions(id);
UPDATE households SET decision_id = (
    SELECT d.id FROM decisions d JOIN applications a ON a.id = d.application_id
    WHERE a.household_id = households.id AND a.status = 'approved'
    ORDER BY a.submitted_at DESC, d.id DESC LIMIT 1);

-- A roll reads each household's open death warnings.
CREATE INDEX warnings_household ON warnings(household_id, kind, status);
