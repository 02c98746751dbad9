-- Several workers (tracker run processes) may share a database (PostgreSQL;
-- on SQLite one daemon runs, through the same tables). Numbered 6: 3 to 5
-- are taken by work under way elsewhere.
--
-- The workers, as their heartbeats last saw them.
CREATE TABLE workers (
    id          TEXT PRIMARY KEY,         -- hostname:pid:start
    hostname    TEXT NOT NULL,
    pid         INTEGER NOT NULL,
    started_at  TEXT NOT NULL,
    seen_at     TEXT NOT NULL,
    stopped_at  TEXT
) STRICT;

-- Each source's next check: when it is due (its slot) and, while a worker
-- checks it, the lease (worker, token, lease_until). A lease not renewed by
-- its worker's heartbeat expires, and the check goes to another worker.
CREATE TABLE check_slots (
    source_id    TEXT PRIMARY KEY REFERENCES sources(id),
    host         TEXT NOT NULL,
    plan         TEXT NOT NULL,      -- the schedule and jitter the slot was planned with
    due_at       TEXT NOT NULL,
    soon         INTEGER NOT NULL DEFAULT 0,   -- off the schedule: soon after a start
    worker       TEXT,
    token        TEXT,
    lease_until  TEXT
) STRICT;
CREATE INDEX check_slots_due ON check_slots(due_at);

-- Every check done, once per slot: recorded in the transaction that records
-- its outcome, so a check is done exactly once or not at all.
CREATE TABLE checks (
    source_id    TEXT NOT NULL REFERENCES sources(id),
    slot         TEXT NOT NULL,
    next_slot    TEXT NOT NULL,
    worker       TEXT NOT NULL,
    started_at   TEXT NOT NULL,
    finished_at  TEXT NOT NULL,
    outcome      TEXT NOT NULL,
    PRIMARY KEY (source_id, slot)
) STRICT, WITHOUT ROWID;
CREATE INDEX checks_finished ON checks(finished_at);
CREATE INDEX checks_worker ON checks(worker);

-- Politeness across workers: the worker whose turn a host is, until when
-- (while it checks sources there, then host_delay more).
CREATE TABLE host_turns (
    host    TEXT PRIMARY KEY,
    worker  TEXT NOT NULL,
    until   TEXT NOT NULL
) STRICT, WITHOUT ROWID;

-- Named leases: a recipient's digest is sent by one worker at a time.
CREATE TABLE leases (
    name    TEXT PRIMARY KEY,
    worker  TEXT NOT NULL,
    until   TEXT NOT NULL
) STRICT, WITHOUT ROWID;
