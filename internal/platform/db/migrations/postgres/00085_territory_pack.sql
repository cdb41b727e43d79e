-- +goose Up
-- A database made with a country pack (docs/country-packs.md) remembers the
-- pack next to its territory: its code, version and digest. Later commands
-- with another pack, or none, are refused (registry.Store.SyncTerritory).
-- Empty for a database made without a pack (Chile built in, or --territory).
ALTER TABLE territory_identity ADD COLUMN pack_code TEXT NOT NULL DEFAULT '';
ALTER TABLE territory_identity ADD COLUMN pack_version TEXT NOT NULL DEFAULT '';
ALTER TABLE territory_identity ADD COLUMN pack_digest TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE territory_identity DROP COLUMN pack_digest;
ALTER TABLE territory_identity DROP COLUMN pack_version;
ALTER TABLE territory_identity DROP COLUMN pack_code;
