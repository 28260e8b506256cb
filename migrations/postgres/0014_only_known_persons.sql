-- Department records are kept only for persons in the database (data minimisation): an import
-- counts a row naming nobody here as unmatched and stores nothing of it. Rows kept by earlier
-- imports for such persons go.
DELETE FROM medical_records WHERE id_number NOT IN (SELECT id_number FROM persons);
DELETE FROM person_events WHERE id_number NOT IN (SELECT id_number FROM persons);
