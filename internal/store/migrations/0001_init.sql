-- Sources known to the database: declared in sources.yaml or created by an import.
CREATE TABLE sources (
    id              TEXT PRIMARY KEY,
    kind            TEXT NOT NULL,
    name            TEXT NOT NULL DEFAULT '',
    url             TEXT NOT NULL DEFAULT '',
    origin          TEXT NOT NULL DEFAULT 'config',   -- config | import
    created_at      TEXT NOT NULL,
    -- Validators of the last successful fetch, valid only for rules_hash.
    etag            TEXT NOT NULL DEFAULT '',
    last_modified   TEXT NOT NULL DEFAULT '',
    rules_hash      TEXT NOT NULL DEFAULT '',
    last_fetch_at   TEXT,
    last_ok_at      TEXT,
    last_change_at  TEXT,
    -- Current failure, cleared by the next successful fetch.
    error           TEXT NOT NULL DEFAULT '',
    error_kind      TEXT NOT NULL DEFAULT '',
    failing_since   TEXT,
    failures        INTEGER NOT NULL DEFAULT 0,
    -- What the operator should know about successful fetches (a permanent
    -- redirect).
    notice          TEXT NOT NULL DEFAULT '',
    -- When the daemon reported the current failure, so it reports it once.
    alerted_at      TEXT
) STRICT;

-- Content-addressed compressed bytes. A blob may be compressed with the
-- content of other blobs as zstd dictionary (base_id, then aux_id); depth
-- bounds the chains to decode.
CREATE TABLE blobs (
    id       INTEGER PRIMARY KEY,
    sha256   BLOB NOT NULL UNIQUE,
    size     INTEGER NOT NULL,
    codec    INTEGER NOT NULL,                -- 0 stored as is, 1 zstd
    base_id  INTEGER REFERENCES blobs(id),
    aux_id   INTEGER REFERENCES blobs(id),
    depth    INTEGER NOT NULL,
    data     BLOB NOT NULL
) STRICT;

-- Raw fetched documents: the body behind each version, and failed bodies kept
-- for inspection.
CREATE TABLE snapshots (
    id          INTEGER PRIMARY KEY,
    source_id   TEXT NOT NULL REFERENCES sources(id),
    fetched_at  TEXT NOT NULL,
    url         TEXT NOT NULL,
    status      INTEGER NOT NULL,
    headers     TEXT NOT NULL DEFAULT '{}',
    blob_id     INTEGER NOT NULL REFERENCES blobs(id),
    error       TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX snapshots_source ON snapshots(source_id, id);

-- Cleaned text of a document each time it really changed.
CREATE TABLE versions (
    id           INTEGER PRIMARY KEY,
    source_id    TEXT NOT NULL REFERENCES sources(id),
    seq          INTEGER NOT NULL,
    sha256       TEXT NOT NULL,
    blob_id      INTEGER NOT NULL REFERENCES blobs(id),
    words        INTEGER NOT NULL,
    first_seen   TEXT NOT NULL,
    last_seen    TEXT NOT NULL,
    same_as      INTEGER,
    snapshot_id  INTEGER REFERENCES snapshots(id),
    provenance   TEXT NOT NULL,              -- fetch | import | rebuild
    origin_ref   TEXT NOT NULL DEFAULT '',   -- e.g. the dataset file of an import
    technical    INTEGER NOT NULL DEFAULT 0,
    -- The extraction rules that produced the text (see sources.RulesHash).
    rules_hash   TEXT NOT NULL DEFAULT '',
    UNIQUE (source_id, seq)
) STRICT;
CREATE INDEX versions_sha ON versions(source_id, sha256);
CREATE INDEX versions_first_seen ON versions(first_seen);

-- Every fetch, run-length encoded: a repeat of the same outcome for the same
-- version extends the last row instead of adding one.
CREATE TABLE fetch_log (
    id           INTEGER PRIMARY KEY,
    source_id    TEXT NOT NULL REFERENCES sources(id),
    outcome      TEXT NOT NULL,   -- new | unchanged | not-modified | failed
    version_seq  INTEGER,
    status       INTEGER NOT NULL DEFAULT 0,
    error        TEXT NOT NULL DEFAULT '',
    first_at     TEXT NOT NULL,
    last_at      TEXT NOT NULL,
    count        INTEGER NOT NULL DEFAULT 1
) STRICT;
CREATE INDEX fetch_log_source ON fetch_log(source_id, id);

-- The change from one version to the next, as classified when detected.
CREATE TABLE changes (
    id             INTEGER PRIMARY KEY,
    source_id      TEXT NOT NULL REFERENCES sources(id),
    from_seq       INTEGER NOT NULL,
    to_seq         INTEGER NOT NULL,
    detected_at    TEXT NOT NULL,
    importance     TEXT NOT NULL,      -- cosmetic | minor | major
    technical      INTEGER NOT NULL DEFAULT 0,
    same_as        INTEGER,
    words_added    INTEGER NOT NULL,
    words_removed  INTEGER NOT NULL,
    topics         TEXT NOT NULL DEFAULT '[]',   -- [{"topic": ID, "evidence": [...]}]
    summary        TEXT NOT NULL DEFAULT '',
    UNIQUE (source_id, to_seq)
) STRICT;
CREATE INDEX changes_detected ON changes(detected_at);

-- Full-text search over every version: each distinct paragraph of a source
-- is indexed once, with the runs of consecutive versions that contain it,
-- so a long history costs its distinct text, not its length. Paragraph ids
-- are sequential (FTS5 stores them delta-encoded); key is 63 bits of the
-- SHA-256 of the source and the paragraph, to find a paragraph again.
CREATE TABLE paragraphs (
    id         INTEGER PRIMARY KEY,
    source_id  TEXT NOT NULL REFERENCES sources(id),
    key        INTEGER NOT NULL UNIQUE
) STRICT;
CREATE TABLE paragraph_runs (
    paragraph_id  INTEGER NOT NULL REFERENCES paragraphs(id),
    from_seq      INTEGER NOT NULL,
    to_seq        INTEGER NOT NULL,
    PRIMARY KEY (paragraph_id, from_seq)
) STRICT, WITHOUT ROWID;
CREATE VIRTUAL TABLE paragraphs_fts USING fts5(
    text, content='', columnsize=0, tokenize='unicode61 remove_diacritics 2');

-- Items of feed sources: each stored once under a stable key. An item whose
-- content changes later is updated, its earlier revision kept.
CREATE TABLE items (
    id          INTEGER PRIMARY KEY,
    source_id   TEXT NOT NULL REFERENCES sources(id),
    key         TEXT NOT NULL,
    guid        TEXT NOT NULL DEFAULT '',
    title       TEXT NOT NULL,
    link        TEXT NOT NULL DEFAULT '',
    author      TEXT NOT NULL DEFAULT '',
    categories  TEXT NOT NULL DEFAULT '[]',
    text        TEXT NOT NULL DEFAULT '',
    page_text   TEXT NOT NULL DEFAULT '',     -- main text of the linked page, when enriched
    published   TEXT,                         -- NULL when the feed gave no date
    date_only   INTEGER NOT NULL DEFAULT 0,
    date_raw    TEXT NOT NULL DEFAULT '',
    hash        TEXT NOT NULL,
    first_seen  TEXT NOT NULL,
    updated_at  TEXT,                         -- when its content last changed
    revision    INTEGER NOT NULL DEFAULT 1,
    baseline    INTEGER NOT NULL DEFAULT 0,   -- in the feed at its first fetch: not announced
    kept        INTEGER NOT NULL DEFAULT 1,   -- passed the source's filters
    topics      TEXT NOT NULL DEFAULT '[]',
    UNIQUE (source_id, key)
) STRICT;
CREATE INDEX items_first_seen ON items(first_seen);
CREATE INDEX items_updated ON items(updated_at) WHERE updated_at IS NOT NULL;

CREATE TABLE item_revisions (
    item_id     INTEGER NOT NULL REFERENCES items(id),
    revision    INTEGER NOT NULL,
    title       TEXT NOT NULL,
    link        TEXT NOT NULL,
    text        TEXT NOT NULL,
    hash        TEXT NOT NULL,
    seen_at     TEXT NOT NULL,                -- when this revision was first seen
    PRIMARY KEY (item_id, revision)
) STRICT, WITHOUT ROWID;

CREATE VIRTUAL TABLE items_fts USING fts5(
    title, text, page_text, content='items', content_rowid='id', tokenize='unicode61 remove_diacritics 2');
CREATE TRIGGER items_fts_insert AFTER INSERT ON items BEGIN
    INSERT INTO items_fts(rowid, title, text, page_text) VALUES (new.id, new.title, new.text, new.page_text);
END;
CREATE TRIGGER items_fts_update AFTER UPDATE OF title, text, page_text ON items BEGIN
    INSERT INTO items_fts(items_fts, rowid, title, text, page_text) VALUES ('delete', old.id, old.title, old.text, old.page_text);
    INSERT INTO items_fts(rowid, title, text, page_text) VALUES (new.id, new.title, new.text, new.page_text);
END;

-- Digests: rendered and recorded before the first attempt to send them, so
-- that nothing is sent twice and a failed week is covered by the next one.
CREATE TABLE digests (
    id            INTEGER PRIMARY KEY,
    recipient     TEXT NOT NULL,          -- the address
    window_start  TEXT NOT NULL,
    window_end    TEXT NOT NULL,
    message_id    TEXT NOT NULL UNIQUE,
    subject       TEXT NOT NULL,
    state         TEXT NOT NULL,          -- pending | sent | failed | uncertain | superseded | skipped
    attempts      INTEGER NOT NULL DEFAULT 0,
    last_error    TEXT NOT NULL DEFAULT '',
    created_at    TEXT NOT NULL,
    sent_at       TEXT,
    transport     TEXT NOT NULL DEFAULT '',   -- smtp | outbox
    delivered_to  TEXT NOT NULL DEFAULT '',   -- the outbox file, or the SMTP server
    changes       INTEGER NOT NULL DEFAULT 0,
    items         INTEGER NOT NULL DEFAULT 0,
    text_blob     INTEGER NOT NULL REFERENCES blobs(id),
    html_blob     INTEGER NOT NULL REFERENCES blobs(id),
    superseded_by INTEGER REFERENCES digests(id)
) STRICT;
CREATE INDEX digests_recipient ON digests(recipient, window_end);

-- Recipients, from when tracker first ran with them in its configuration:
-- a first digest covers from then, not a week tracker never watched.
CREATE TABLE recipients (
    address      TEXT PRIMARY KEY,
    enrolled_at  TEXT NOT NULL
) STRICT, WITHOUT ROWID;
