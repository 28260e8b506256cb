-- Issue 17, hole 12: ID numbers are no longer stored in clear. Where they join tables (persons,
-- households, applications and their members, medical records, events, a resident's bound
-- head) the column holds the ID number's keyed digest (HMAC-SM3, 128 bits as 22 characters of base64, made by
-- the server: SQL cannot make it), and where one must be shown a sealed copy sits beside it.
-- The server converts rows written before (18-character values) when it starts.
ALTER TABLE households ADD COLUMN head_id_sealed TEXT;
ALTER TABLE applications ADD COLUMN head_id_sealed TEXT;
ALTER TABLE application_members ADD COLUMN id_sealed TEXT;
ALTER TABLE person_events ADD COLUMN id_sealed TEXT;
-- One-time conversions the server has finished (sealing and keying rows written before), so
-- that a start does not look for them again.
CREATE TABLE maintenance_done (
    name TEXT PRIMARY KEY,
    done_at BIGINT NOT NULL
);
