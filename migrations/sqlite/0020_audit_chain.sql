-- Issue 17, hole 10: the audit trail names the actor's role and, where the action asks for one,
-- its purpose; and it is chained: each record's hash covers its fields and the hash before it
-- (server/src/store/audit.rs), so an altered, removed or inserted record shows on
-- `server verify-audit`. Records from before the chain are chained at the next start, in order.
ALTER TABLE audit_log ADD COLUMN role TEXT;
ALTER TABLE audit_log ADD COLUMN purpose TEXT;
ALTER TABLE audit_log ADD COLUMN seq INTEGER;
ALTER TABLE audit_log ADD COLUMN hash TEXT;
CREATE UNIQUE INDEX audit_log_seq ON audit_log(seq);

-- One row: the chain's last record, and the anchor from which it is verified (the last record
-- removed by the retention purge, or the genesis). Appending updates it, which serialises appends.
CREATE TABLE audit_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL,
    anchor_seq INTEGER NOT NULL,
    anchor_hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash, anchor_seq, anchor_hash)
VALUES (1, 0, 'genesis', 0, 'genesis');
