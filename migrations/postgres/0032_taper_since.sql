-- 渐退期 (Zhangye (八)): the day a household's taper began, when a verified reassessment first
-- found its income above the Dibao standard through employment; cleared when one no longer does.
-- The taper ends `taper_months` after it, whatever later reassessments find, and an exit with
-- a taper keeps aid only until then.
ALTER TABLE households ADD COLUMN taper_since TEXT;
