-- PostgreSQL's medical settlements keep one index instead of two (its 0050); SQLite's already
-- have one, their primary key led by the household (0027). Nothing to do here: the numbers of
-- the two sets of migrations stay the same.
SELECT 1;
