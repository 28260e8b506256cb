-- A counter of changes to the policy parameters, bumped by every write to them (triggers, so
-- that no writer can forget it). A server keeps the parameters it read with the counter it read
-- first, and reads them again only when the counter has moved: every submission and estimate
-- used to read and sort the whole table.
CREATE TABLE policy_parameters_generation (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    generation INTEGER NOT NULL
);
INSERT INTO policy_parameters_generation (id, generation) VALUES (1, 0);
CREATE TRIGGER policy_parameters_changed_insert AFTER INSERT ON policy_parameters
BEGIN
    UPDATE policy_parameters_generation SET generation = generation + 1 WHERE id = 1;
END;
CREATE TRIGGER policy_parameters_changed_update AFTER UPDATE ON policy_parameters
BEGIN
    UPDATE policy_parameters_generation SET generation = generation + 1 WHERE id = 1;
END;
CREATE TRIGGER policy_parameters_changed_delete AFTER DELETE ON policy_parameters
BEGIN
    UPDATE policy_parameters_generation SET generation = generation + 1 WHERE id = 1;
END;
