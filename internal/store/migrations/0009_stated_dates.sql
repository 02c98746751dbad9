-- What a change did to the date the document states for itself ("Last
-- updated", "Effective"): announcement is announced, unannounced, redated,
-- same_date or undated ('' for a change recorded before tracker read those
-- dates: `tracker rebuild --changes` fills it); stated_dates the dates and
-- the lines they were read from, as JSON.
ALTER TABLE changes ADD COLUMN announcement TEXT NOT NULL DEFAULT '';
ALTER TABLE changes ADD COLUMN stated_dates TEXT NOT NULL DEFAULT '{}';
