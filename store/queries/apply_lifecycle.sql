-- Apply a change of a record's lifecycle (dispute, resolve, repair, expire).
-- Each flag takes the value of the latest version that sets it: a later
-- version already stored (earlier in this batch, or before) that sets the
-- same flag wins, while later changes of other kinds (new content, say) do
-- not undo it. Versions run in order here; the batch stores every version
-- before this statement runs.
UPDATE records
SET version = GREATEST(version, $2),
    updated_at = CASE WHEN version < $2 THEN $3 ELSE updated_at END,
    disputed = CASE
        WHEN $4 NOT IN ('dispute', 'resolve') OR EXISTS (
            SELECT 1 FROM record_versions v
            WHERE v.record_id = $1 AND v.version > $2 AND v.op IN ('dispute', 'resolve', 'correct', 'revoke'))
        THEN disputed
        ELSE $4 = 'dispute' END,
    display = CASE
        WHEN $4 NOT IN ('repair', 'expire') OR EXISTS (
            SELECT 1 FROM record_versions v
            WHERE v.record_id = $1 AND v.version > $2 AND v.op IN ('repair', 'expire'))
        THEN display
        WHEN $4 = 'repair' THEN 'repaired'
        ELSE 'expired' END
WHERE record_id = $1
