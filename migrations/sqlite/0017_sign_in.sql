-- Sign-in (issue 17, holes 2 and 4). Attempts are counted per (login, client address) and per
-- client address, before the password is checked, so parallel guesses cannot pass the limit;
-- no account is ever locked for everyone, so an outsider cannot lock a member of staff out.
-- Keys are SHA-256 digests: a mistyped phone number is never written down.
CREATE TABLE login_attempts (
    key TEXT PRIMARY KEY,
    attempts INTEGER NOT NULL,
    window_start INTEGER NOT NULL
);

-- The second factor (TOTP, RFC 6238): the shared secret (base32), the last time step used (a
-- code is good once), and ten one-time recovery codes stored as SHA-256 digests.
ALTER TABLE users ADD COLUMN totp_secret TEXT;
ALTER TABLE users ADD COLUMN totp_last_step INTEGER;
ALTER TABLE users ADD COLUMN totp_enrolled_at INTEGER;
CREATE TABLE recovery_codes (
    user_id TEXT NOT NULL REFERENCES users(id),
    code_hash TEXT NOT NULL,
    used_at INTEGER,
    PRIMARY KEY (user_id, code_hash)
);

-- Account management (hole 3): a password an administrator chose must be changed at the first
-- sign-in; a disabled account signs in nowhere and its sessions end.
ALTER TABLE users ADD COLUMN must_change_password BOOLEAN NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN disabled_at INTEGER;
