-- A declaration changes no household file until a caseworker of its region accepts it (受理)
-- after checking identity (issue 17, hole 1). What acceptance needs is kept with the
-- application: the head, the declared monthly income and the members; a resident account is
-- bound to the head it first declared, and an application naming another head waits for a
-- caseworker's confirmation.
ALTER TABLE applications ADD COLUMN head_id_number TEXT;
ALTER TABLE applications ADD COLUMN monthly_income BIGINT;
ALTER TABLE applications ADD COLUMN head_change BOOLEAN NOT NULL DEFAULT FALSE;
CREATE TABLE application_members (
    application_id TEXT NOT NULL REFERENCES applications(id),
    id_number TEXT NOT NULL,
    PRIMARY KEY (application_id, id_number)
);
CREATE INDEX application_members_person ON application_members(id_number);
ALTER TABLE users ADD COLUMN bound_head_id_number TEXT;

-- Applications filed before: their household says who heads them, their open members who they
-- are (a closed application needs neither again).
UPDATE applications SET head_id_number =
    (SELECT h.head_id_number FROM households h WHERE h.id = applications.household_id);
INSERT INTO application_members (application_id, id_number)
    SELECT application_id, id_number FROM open_application_members;
UPDATE users SET bound_head_id_number =
    (SELECT a.head_id_number FROM applications a WHERE a.owner_id = users.id
     ORDER BY a.submitted_at LIMIT 1)
    WHERE role = 'resident';
