-- 随机调查 (issue 22; Zhangye (五)): a caseworker draws a random sample of a region's households
-- in assistance with a recorded seed (the same seed over the same households draws the same
-- sample: `domain::survey`), each sampled household a visit task with a deadline.
ALTER TABLE tasks DROP CONSTRAINT tasks_kind_check;
ALTER TABLE tasks ADD CONSTRAINT tasks_kind_check
    CHECK (kind IN ('annual_review','taper_end','referral_overdue','documents_due','random_survey'));

CREATE TABLE random_surveys (
    id TEXT PRIMARY KEY,
    region_code TEXT NOT NULL,
    seed TEXT NOT NULL,
    population BIGINT NOT NULL,
    population_digest TEXT NOT NULL,
    sample_size BIGINT NOT NULL,
    due_on TEXT NOT NULL,
    households TEXT NOT NULL,
    drawn_by TEXT NOT NULL REFERENCES users(id),
    drawn_at BIGINT NOT NULL
);
CREATE INDEX random_surveys_region ON random_surveys(region_code, drawn_at);
