-- Zhangye (六) "密切关注全部或部分丧失劳动能力的低收入人口": whether a member of the household has
-- lost all or part of their labour capacity, as its declaration says (kept with the application
-- at submission, and on the household when a caseworker accepts it, like the monthly income).
-- Warnings about such a household are raised a level (`domain::monitoring::with_labour_priority`).
-- Households accepted before this migration read false until their next accepted declaration.
ALTER TABLE applications ADD COLUMN lost_labour BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE households ADD COLUMN lost_labour BOOLEAN NOT NULL DEFAULT FALSE;
