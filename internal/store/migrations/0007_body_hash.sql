-- What the last successful fetch read, as sources.Checker hashes it (the
-- raw body and what else decides its text), valid for rules_hash like the
-- validators beside it: an unchanged body is confirmed without reading it.
ALTER TABLE sources ADD COLUMN body_sha256 TEXT NOT NULL DEFAULT '';
