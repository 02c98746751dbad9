-- What a change means beyond its importance and topics: why a cosmetic
-- change tells nothing (artefact: format, date, chrome, language, region,
-- capture, mixed) and one sentence a reader can act on (reason).
ALTER TABLE changes ADD COLUMN artefact TEXT NOT NULL DEFAULT '';
ALTER TABLE changes ADD COLUMN reason TEXT NOT NULL DEFAULT '';
