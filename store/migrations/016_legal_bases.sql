-- Legal bases are an agency's own: each principal row lists the bases under
-- which the agency may inquire without the person's authorisation, as
-- [{"code": ..., "types": [...]}]. Bases no longer apply to every agency.
ALTER TABLE principals
    ADD COLUMN legal_bases jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(legal_bases) = 'array');
