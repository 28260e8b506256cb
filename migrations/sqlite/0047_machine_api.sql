-- 部门系统对接 (issue 23; Liaoning 二(二)1(1)–(2), Zhangye (四)): departments' systems connect to
-- the machine API (`/api/v1`) with a credential per system, made by a system administrator and
-- scoped to one department, the comparison sources it may push and a region. Each system acts
-- through an account of its own (`users`, role `department`, login `api:<id>`, a password hash
-- no password matches: it signs in nowhere), so imports, referral answers and the audit log
-- name it as they name an officer.
--
-- A key's secret is stored sealed (field encryption, under the key in configuration) rather
-- than hashed: an HMAC signature can only be checked by whoever holds the secret. A rotated key
-- keeps working until `expires_at` (the overlap); a revoked system's keys stop at once.
-- Nonces seen in the last ten minutes and calls per minute are counted here, so that every
-- server process behind a load balancer refuses the same replay and shares one rate limit.
CREATE TABLE api_clients (
    id TEXT PRIMARY KEY REFERENCES users(id),
    name TEXT NOT NULL,
    department TEXT NOT NULL,
    region_code TEXT NOT NULL,
    calls_per_minute INTEGER NOT NULL CHECK (calls_per_minute > 0),
    created_by TEXT NOT NULL REFERENCES users(id),
    created_at INTEGER NOT NULL,
    revoked_at INTEGER,
    revoked_by TEXT REFERENCES users(id)
);
CREATE TABLE api_client_sources (
    client_id TEXT NOT NULL REFERENCES api_clients(id),
    source TEXT NOT NULL,
    PRIMARY KEY (client_id, source)
);
CREATE TABLE api_keys (
    id TEXT PRIMARY KEY,
    client_id TEXT NOT NULL REFERENCES api_clients(id),
    secret TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    created_by TEXT NOT NULL REFERENCES users(id),
    created_at INTEGER NOT NULL,
    expires_at INTEGER
);
CREATE INDEX api_keys_client ON api_keys(client_id);
CREATE TABLE api_nonces (
    key_id TEXT NOT NULL,
    nonce TEXT NOT NULL,
    seen_at INTEGER NOT NULL,
    PRIMARY KEY (key_id, nonce)
);
CREATE INDEX api_nonces_seen ON api_nonces(seen_at);
CREATE TABLE api_calls (
    client_id TEXT NOT NULL,
    minute INTEGER NOT NULL,
    calls INTEGER NOT NULL,
    PRIMARY KEY (client_id, minute)
);
-- A pushed batch, by the key its system gave it: a batch sent again is answered with the
-- first one's report and imports nothing. `import_id` is empty while the batch runs.
CREATE TABLE api_batches (
    client_id TEXT NOT NULL REFERENCES api_clients(id),
    batch_key TEXT NOT NULL,
    source TEXT NOT NULL,
    import_id TEXT NOT NULL DEFAULT '',
    report TEXT NOT NULL DEFAULT '',
    started_at INTEGER NOT NULL,
    PRIMARY KEY (client_id, batch_key)
);
