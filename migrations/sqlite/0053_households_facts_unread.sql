-- The statistics job looks, every round, for decided households whose urban/rural and support
-- mode were never read (`read_missing_facts`): without an index that was a scan of every
-- household (3.7–4.7 s among 5 000 000, each round, in each process). Only the few still
-- unread are in this index.
CREATE INDEX households_facts_unread ON households(id)
    WHERE facts_read = 0 AND decision_id IS NOT NULL;
