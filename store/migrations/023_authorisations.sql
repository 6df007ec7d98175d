-- The authorisations persons grant agencies (POST /v1/authorisations). A
-- grant is a token the hub signs; its row lets its person list it and
-- withdraw it, and an inquiry under a withdrawn one is refused.
CREATE TABLE authorisations (
    id            text PRIMARY KEY,
    subject_key   text NOT NULL,
    agency        text NOT NULL,
    purpose       text NOT NULL,
    types         text[] NOT NULL,
    granted_at    timestamptz NOT NULL,
    expires_at    timestamptz NOT NULL,
    withdrawn_at  timestamptz
);

-- A person's grants, newest first.
CREATE INDEX authorisations_subject ON authorisations (subject_key, granted_at DESC);

-- Grants made before this table are known from their audit entries, which
-- name the agency and the purpose ("agency: purpose") but not the types or
-- the expiry: they are kept with no types, expiring after the longest
-- validity a grant can have, 90 days.
INSERT INTO authorisations (id, subject_key, agency, purpose, types, granted_at, expires_at)
SELECT resource, subject, split_part(purpose, ': ', 1),
       substr(purpose, length(split_part(purpose, ': ', 1)) + 3), '{}', at, at + interval '90 days'
FROM audit_log
WHERE action = 'authorisation.granted' AND result = 'ok' AND subject <> ''
ON CONFLICT (id) DO NOTHING;
