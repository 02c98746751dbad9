-- As SQLite's 0002_change_meaning.sql.
ALTER TABLE changes ADD COLUMN artefact text NOT NULL DEFAULT '';
ALTER TABLE changes ADD COLUMN reason text NOT NULL DEFAULT '';
