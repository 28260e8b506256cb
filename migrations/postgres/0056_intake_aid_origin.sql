-- 现有对象直接纳入 (issue 23): an amount a roster listed enters the household's assistance chain
-- with an origin of its own, `intake` (名册纳入), instead of `manual` (社工登记): the chain says
-- truly that the county's roster, not a caseworker, recorded it. Entries taken in before are
-- given that origin (their ids begin with `intake-`).
ALTER TABLE assistance DROP CONSTRAINT assistance_origin_check;
ALTER TABLE assistance ADD CONSTRAINT assistance_origin_check
    CHECK (origin IN ('decision','referral','emergency','manual','charity','service','intake'));
UPDATE assistance SET origin = 'intake' WHERE id LIKE 'intake-%' AND origin = 'manual';
