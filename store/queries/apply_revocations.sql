-- Mark records revoked whose latest version in a batch is a revocation,
-- keeping their last content, unless a later version is current already.
-- A revocation settles a dispute: a revoked record is not disputed.
UPDATE records AS r
SET version = t.version, state = 'revoked', updated_at = t.accepted_at, disputed = false
FROM unnest($1::text[], $2::int[], $3::timestamptz[]) AS t(record_id, version, accepted_at)
WHERE r.record_id = t.record_id AND r.version <= t.version
