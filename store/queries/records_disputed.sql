SELECT record_id FROM records WHERE record_id = ANY ($1) AND disputed
