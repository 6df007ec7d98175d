-- Every published version of every record type of the catalogue: its rules,
-- JSON Schema and example, as one JSON document kept byte for byte.
CREATE TABLE catalog_versions (
    code          text NOT NULL,
    version       integer NOT NULL CHECK (version > 0),
    definition    text NOT NULL,
    published_at  timestamptz NOT NULL DEFAULT now(),
    published_by  text NOT NULL,
    PRIMARY KEY (code, version)
);
