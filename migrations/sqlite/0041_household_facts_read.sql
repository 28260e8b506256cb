-- 统计 (issue 21): urban/rural and a Tekun household's support mode are recorded when a decision
-- takes effect (0039). Households decided before that have neither; the background job reads
-- them once from each household's last assessment. `facts_read` says it was done (by `finalize`
-- or by that job), so a household whose facts name neither is not read again and again.
ALTER TABLE households ADD COLUMN facts_read INTEGER NOT NULL DEFAULT 0;
UPDATE households SET facts_read = 1 WHERE residence IS NOT NULL OR support_mode IS NOT NULL;
