-- Issue 17, hole 10 (part): each audit record names the client address of the request that
-- made it (the address from the peer, or from trusted proxies only); none for background jobs.
ALTER TABLE audit_log ADD COLUMN client TEXT;
