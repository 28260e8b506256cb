-- A person carries their household's region: an import keeps only the persons in the officer's
-- region without a search of `households` per row. The region is the household's, always: a
-- person is written from their household's row, and the trigger below carries a household's move
-- to another region to its persons in the same statement.
ALTER TABLE persons ADD COLUMN region_code TEXT;
UPDATE persons p SET region_code = h.region_code FROM households h WHERE h.id = p.household_id;
DELETE FROM persons WHERE region_code IS NULL;
ALTER TABLE persons ALTER COLUMN region_code SET NOT NULL;

CREATE FUNCTION persons_follow_household_region() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE persons SET region_code = NEW.region_code WHERE household_id = NEW.id;
    RETURN NULL;
END
$$;
CREATE TRIGGER persons_follow_household_region AFTER UPDATE OF region_code ON households
    FOR EACH ROW WHEN (NEW.region_code IS DISTINCT FROM OLD.region_code)
    EXECUTE FUNCTION persons_follow_household_region();

-- Only the import's scope check used it.
DROP INDEX households_scope;
