-- As SQLite's 0007_body_hash.sql: what the last successful fetch read, as
-- sources.Checker hashes it, valid for rules_hash like the validators
-- beside it: an unchanged body is confirmed without reading it.
ALTER TABLE sources ADD COLUMN body_sha256 text NOT NULL DEFAULT '';
