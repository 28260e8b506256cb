-- Issue 17, hole 11: the security administrator lifts a lockout. A count per account and
-- address also keeps a digest of the account it concerns (never the login in clear), so all of
-- an account's counts can be cleared whatever the address. Counts from before have none and
-- expire with their window.
ALTER TABLE login_attempts ADD COLUMN subject TEXT;
CREATE INDEX login_attempts_subject ON login_attempts(subject);
