-- Authorisations their person withdrew before they expired: an inquiry
-- under one of them is refused from then on. A grant is a token the hub
-- signs and keeps no row of; its audit entry names its person, so only that
-- person can withdraw it.
CREATE TABLE authorisation_withdrawals (
    grant_id      text PRIMARY KEY,
    subject_key   text NOT NULL,
    withdrawn_at  timestamptz NOT NULL DEFAULT now()
);
