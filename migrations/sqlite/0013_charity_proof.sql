-- A charity's proof of delivery: a photo or PDF (receipt, signed delivery note) by content hash
-- in the blob store, next to the typed reference in `note`.
ALTER TABLE charity_matches ADD COLUMN proof_hash TEXT;
ALTER TABLE charity_matches ADD COLUMN proof_mime TEXT;
