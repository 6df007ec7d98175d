-- A catalogue version that widens who sees a type's records, with whom they
-- are shared or how long they are displayed waits here for an operator's
-- approval; only an approved one is copied into catalog_versions and takes
-- effect. Decided proposals stay, with who decided and why.
CREATE TABLE catalog_proposals (
    id           bigserial PRIMARY KEY,
    code         text NOT NULL,
    version      integer NOT NULL CHECK (version > 0),
    definition   text NOT NULL,
    proposed_at  timestamptz NOT NULL DEFAULT now(),
    proposed_by  text NOT NULL,
    status       text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
    decided_at   timestamptz,
    decided_by   text,
    reason       text NOT NULL DEFAULT '',
    CHECK ((status = 'pending') = (decided_at IS NULL))
);

-- At most one version of a type waits at a time.
CREATE UNIQUE INDEX catalog_proposals_pending ON catalog_proposals (code) WHERE status = 'pending';

-- The operator who approved a version that waited; NULL for a version that
-- took effect when it was published. published_at is when a version took
-- effect: for an approved one, when it was approved.
ALTER TABLE catalog_versions ADD COLUMN approved_by text;
