-- As SQLite's 0009_stated_dates.sql.
ALTER TABLE changes ADD COLUMN announcement text NOT NULL DEFAULT '';
ALTER TABLE changes ADD COLUMN stated_dates text NOT NULL DEFAULT '{}';
