-- A digest is delivered at least once, under one Message-ID: the twin of
-- the SQLite migration of the same number (see there). doubtful counts the
-- attempts whose outcome tracker cannot know.
ALTER TABLE digests ADD COLUMN doubtful integer NOT NULL DEFAULT 0;
