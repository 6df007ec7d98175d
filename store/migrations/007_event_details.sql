-- Events say why a change was made and whether the record was disputed at
-- that version, so that subscribers see both.
ALTER TABLE events
    ADD COLUMN reason text NOT NULL DEFAULT '',
    ADD COLUMN disputed boolean NOT NULL DEFAULT false;
