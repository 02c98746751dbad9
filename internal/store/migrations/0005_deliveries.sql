-- Deliveries: webhook calls and urgent alert mails, recorded before the
-- first attempt, retried with backoff until the target accepts them, never
-- dropped; one per target and what it carries (key), so that nothing is
-- recorded twice. As digests (0003), at least once: an attempt is marked
-- sending, with its lease in next_attempt; one whose outcome tracker cannot
-- know (no answer, or tracker stopped while sending) is uncertain and
-- attempted again, and doubtful counts such attempts.
CREATE TABLE deliveries (
    id            INTEGER PRIMARY KEY,
    target        TEXT NOT NULL,          -- webhook:NAME | mail:ADDRESS
    channel       TEXT NOT NULL,          -- webhook | mail
    kind          TEXT NOT NULL,          -- change | digest | urgent
    key           TEXT NOT NULL,          -- change:SOURCE:FROM:TO | digest:END
    subject       TEXT NOT NULL DEFAULT '',
    body          TEXT NOT NULL,
    window_start  TEXT,
    window_end    TEXT,
    state         TEXT NOT NULL,          -- pending | sending | sent | failed | uncertain
    attempts      INTEGER NOT NULL DEFAULT 0,
    doubtful      INTEGER NOT NULL DEFAULT 0,
    last_error    TEXT NOT NULL DEFAULT '',
    status        INTEGER NOT NULL DEFAULT 0,
    created_at    TEXT NOT NULL,
    next_attempt  TEXT NOT NULL,
    sent_at       TEXT,
    UNIQUE (target, key)
) STRICT;
CREATE INDEX deliveries_due ON deliveries(state, next_attempt);

-- Delivery targets, from when tracker first ran with them: a new webhook
-- or urgent subscription hears of changes from then, not of the history;
-- covered_until is how far the changes were read for it.
CREATE TABLE delivery_targets (
    target         TEXT PRIMARY KEY,
    enrolled_at    TEXT NOT NULL,
    covered_until  TEXT
) STRICT, WITHOUT ROWID;
