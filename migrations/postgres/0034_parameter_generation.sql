-- A counter of changes to the policy parameters, bumped by every write to them (a trigger, so
-- that no writer can forget it). A server keeps the parameters it read with the counter it read
-- first, and reads them again only when the counter has moved: every submission and estimate
-- used to read and sort the whole table.
CREATE TABLE policy_parameters_generation (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    generation BIGINT NOT NULL
);
INSERT INTO policy_parameters_generation (id, generation) VALUES (1, 0);
CREATE FUNCTION policy_parameters_changed() RETURNS trigger AS $$
BEGIN
    UPDATE policy_parameters_generation SET generation = generation + 1 WHERE id = 1;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER policy_parameters_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON policy_parameters
    FOR EACH STATEMENT EXECUTE FUNCTION policy_parameters_changed();
