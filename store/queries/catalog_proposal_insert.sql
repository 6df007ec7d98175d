INSERT INTO catalog_proposals (code, version, definition, proposed_by)
VALUES ($1, $2, $3, $4)
