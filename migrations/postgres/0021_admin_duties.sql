-- Issue 17, hole 11: separation of duties (三员分立). Each administrator holds one duty: system
-- (accounts, configuration), security (second factors, approval of parameters) or audit (reads
-- the audit trail). Administrators from before hold the system duty.
ALTER TABLE users ADD COLUMN duty TEXT CHECK (duty IN ('system', 'security', 'audit'));
UPDATE users SET duty = 'system' WHERE role = 'admin';
