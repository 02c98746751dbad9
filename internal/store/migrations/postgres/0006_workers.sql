-- As SQLite's 0006_workers.sql.
CREATE TABLE workers (
    id          text COLLATE "C" PRIMARY KEY,
    hostname    text NOT NULL,
    pid         integer NOT NULL,
    started_at  timestamptz NOT NULL,
    seen_at     timestamptz NOT NULL,
    stopped_at  timestamptz
);

CREATE TABLE check_slots (
    source_id    text COLLATE "C" PRIMARY KEY REFERENCES sources(id),
    host         text NOT NULL,
    plan         text NOT NULL,
    due_at       timestamptz NOT NULL,
    soon         boolean NOT NULL DEFAULT false,
    worker       text,
    token        text,
    lease_until  timestamptz
);
CREATE INDEX check_slots_due ON check_slots(due_at);

CREATE TABLE checks (
    source_id    text COLLATE "C" NOT NULL REFERENCES sources(id),
    slot         timestamptz NOT NULL,
    next_slot    timestamptz NOT NULL,
    worker       text NOT NULL,
    started_at   timestamptz NOT NULL,
    finished_at  timestamptz NOT NULL,
    outcome      text NOT NULL,
    PRIMARY KEY (source_id, slot)
);
CREATE INDEX checks_finished ON checks(finished_at);
CREATE INDEX checks_worker ON checks(worker);

CREATE TABLE host_turns (
    host    text COLLATE "C" PRIMARY KEY,
    worker  text NOT NULL,
    until   timestamptz NOT NULL
);

CREATE TABLE leases (
    name    text COLLATE "C" PRIMARY KEY,
    worker  text NOT NULL,
    until   timestamptz NOT NULL
);
