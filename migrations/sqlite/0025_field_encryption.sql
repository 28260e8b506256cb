-- Issue 17, hole 12: declarations and drafts are stored sealed (SM4-GCM, `server::crypto`), so
-- the household search can no longer look inside them. It looks up keyed digests instead
-- (HMAC-SM3 blind index): per application, each member's whole name, given name and ID number.
-- Filled at submission; the server fills it for older applications when it seals them at start.
CREATE TABLE application_keys (
    application_id TEXT NOT NULL REFERENCES applications(id),
    kind TEXT NOT NULL CHECK (kind IN ('name', 'id_number')),
    digest TEXT NOT NULL,
    PRIMARY KEY (application_id, kind, digest)
);
CREATE INDEX application_keys_digest ON application_keys(kind, digest);
