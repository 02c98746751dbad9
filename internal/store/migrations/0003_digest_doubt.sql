-- A digest is delivered at least once, under one Message-ID: an attempt
-- whose outcome tracker cannot know (the connection dropped at the end of
-- DATA, or tracker stopped while sending) is followed by another, and
-- doubtful counts such attempts, so that `tracker digests` and the next
-- digest can say a copy may have arrived twice. The state 'sending' marks
-- the attempt under way.
ALTER TABLE digests ADD COLUMN doubtful INTEGER NOT NULL DEFAULT 0;
