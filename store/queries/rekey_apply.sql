-- Rewrites the subject keys of every table that looks a person up from
-- rekey_map (old -> new), and keeps the map for the audit log, whose
-- entries are never rewritten. The counts say what changed.
WITH
  recs AS (UPDATE records t SET subject_key = m.new FROM rekey_map m WHERE t.subject_key = m.old RETURNING 1),
  heads AS (UPDATE record_heads t SET subject_key = m.new FROM rekey_map m WHERE t.subject_key = m.old RETURNING 1),
  evts AS (UPDATE events t SET subject_key = m.new FROM rekey_map m WHERE t.subject_key = m.old RETURNING 1),
  seqs AS (UPDATE subject_sequences t SET subject_key = m.new FROM rekey_map m WHERE t.subject_key = m.old RETURNING 1),
  -- A grant's token names its person by the old hash, so no inquiry can
  -- use it any more: it ends now, and its person still sees it.
  auths AS (UPDATE authorisations t SET subject_key = m.new, expires_at = least(t.expires_at, now())
            FROM rekey_map m WHERE t.subject_key = m.old RETURNING 1),
  kept AS (
    INSERT INTO subject_rekeys (old_subject, new_subject)
    SELECT old, new FROM rekey_map
    ON CONFLICT (old_subject) DO UPDATE SET new_subject = EXCLUDED.new_subject, rotated_at = now()
    RETURNING 1)
SELECT (SELECT count(*) FROM recs), (SELECT count(*) FROM heads), (SELECT count(*) FROM evts),
       (SELECT count(*) FROM seqs), (SELECT count(*) FROM auths), (SELECT count(*) FROM kept)
