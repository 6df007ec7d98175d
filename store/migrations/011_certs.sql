-- Client certificates: a principal may authenticate over mutual TLS with a
-- certificate the seed names by the SHA-256 of its DER, instead of or
-- besides an API key. A principal named by its certificate alone has no
-- key_hash.
ALTER TABLE principals
    ADD COLUMN cert_sha256 text UNIQUE,     -- SHA-256 of the client certificate's DER, hex
    ALTER COLUMN key_hash DROP NOT NULL;
