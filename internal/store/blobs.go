package store

import (
	"container/list"
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"sync"

	"github.com/klauspost/compress/zstd"
)

// Blobs hold texts and raw bodies. Each is stored once (content-addressed by
// SHA-256) and compressed with zstd, using its predecessor's content as the
// dictionary when that is smaller: consecutive versions of a legal document
// share almost everything, so the delta costs a few hundred bytes.
const (
	codecRaw  = 0
	codecZstd = 1

	// maxDepth bounds how many predecessors must be decoded to read a blob.
	maxDepth = 32
	// rawBelow is the size under which compression does not pay.
	rawBelow = 64
)

type blobCodec struct {
	enc *zstd.Encoder
	dec *zstd.Decoder

	// delta is reused with a new dictionary for each blob: creating an
	// encoder costs more than compressing a document.
	deltaMu sync.Mutex
	delta   *zstd.Encoder

	mu    sync.Mutex
	cache map[int64]*list.Element
	lru   list.List
	bytes int
	limit int
}

type cached struct {
	id   int64
	data []byte
}

// SpeedBetterCompression: on TikTok's history it stores 1.69 % of the raw
// bytes against 1.61 % for SpeedBestCompression, at a fifth of the time.
func newBlobCodec() *blobCodec {
	opts := []zstd.EOption{zstd.WithEncoderLevel(zstd.SpeedBetterCompression), zstd.WithEncoderConcurrency(1)}
	enc, err := zstd.NewWriter(nil, opts...)
	if err != nil {
		panic(err) // only invalid options fail
	}
	delta, err := zstd.NewWriter(nil, opts...)
	if err != nil {
		panic(err)
	}
	dec, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(1))
	if err != nil {
		panic(err)
	}
	return &blobCodec{enc: enc, delta: delta, dec: dec, cache: map[int64]*list.Element{}, limit: 16 << 20}
}

func (c *blobCodec) get(id int64) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.cache[id]; ok {
		c.lru.MoveToFront(e)
		return e.Value.(*cached).data, true
	}
	return nil, false
}

func (c *blobCodec) put(id int64, data []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.cache[id]; ok || len(data) > c.limit/4 {
		return
	}
	c.cache[id] = c.lru.PushFront(&cached{id, data})
	c.bytes += len(data)
	for c.bytes > c.limit {
		e := c.lru.Back()
		v := e.Value.(*cached)
		c.lru.Remove(e)
		delete(c.cache, v.id)
		c.bytes -= len(v.data)
	}
}

// compressWith compresses content with dict as history.
func (c *blobCodec) compressWith(dict, content []byte) ([]byte, error) {
	c.deltaMu.Lock()
	defer c.deltaMu.Unlock()
	if err := c.delta.ResetWithOptions(nil, zstd.WithEncoderDictRaw(1, dict)); err != nil {
		return nil, err
	}
	return c.delta.EncodeAll(content, nil), nil
}

func decompressWith(dict, data []byte) ([]byte, error) {
	dec, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(1), zstd.WithDecoderDictRaw(1, dict))
	if err != nil {
		return nil, err
	}
	defer dec.Close()
	return dec.DecodeAll(data, nil)
}

// putBlob stores content and returns its id. Identical content is stored
// once. The content of the blobs in dicts (0 for none), concatenated, serves
// as compression dictionary when that pays: the previous version of the same
// document, and for a raw page the text extracted from it, so that a change
// of wording is paid for once, not once in the text and again in the page.
func (db *DB) putBlob(ctx context.Context, tx *txn, content []byte, dicts ...int64) (int64, error) {
	sum := sha256.Sum256(content)
	var id int64
	err := tx.QueryRowContext(ctx, `SELECT id FROM blobs WHERE sha256 = ?`, sum[:]).Scan(&id)
	if err == nil {
		return id, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("store: find blob: %w", err)
	}

	codec, data, depth := codecRaw, content, 0
	var refs [2]sql.NullInt64
	if len(content) >= rawBelow {
		codec, data = codecZstd, db.blobs.enc.EncodeAll(content, nil)
		var dict []byte
		var used []int64
		for _, d := range dicts {
			if d == 0 || len(used) == len(refs) {
				continue
			}
			var dDepth int
			if err := tx.QueryRowContext(ctx, `SELECT depth FROM blobs WHERE id = ?`, d).Scan(&dDepth); err != nil {
				return 0, fmt.Errorf("store: dictionary blob %d: %w", d, err)
			}
			if dDepth >= maxDepth {
				continue
			}
			b, err := db.readBlob(ctx, tx, d)
			if err != nil {
				return 0, err
			}
			dict = append(dict, b...)
			used = append(used, d)
			depth = max(depth, dDepth+1)
		}
		if len(used) > 0 {
			delta, err := db.blobs.compressWith(dict, content)
			if err != nil {
				return 0, fmt.Errorf("store: compress: %w", err)
			}
			if len(delta) < len(data) {
				data = delta
				for i, u := range used {
					refs[i] = sql.NullInt64{Int64: u, Valid: true}
				}
			} else {
				depth = 0
			}
		}
		if len(data) >= len(content) {
			codec, data, depth, refs = codecRaw, content, 0, [2]sql.NullInt64{}
		}
	}
	// Another worker may store the same content meanwhile (PostgreSQL): its
	// row is the one to use.
	err = tx.QueryRowContext(ctx, `INSERT INTO blobs(sha256, size, codec, base_id, aux_id, depth, data) VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (sha256) DO NOTHING RETURNING id`,
		sum[:], len(content), codec, refs[0], refs[1], depth, data).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		err = tx.QueryRowContext(ctx, `SELECT id FROM blobs WHERE sha256 = ?`, sum[:]).Scan(&id)
	}
	if err != nil {
		return 0, fmt.Errorf("store: save blob: %w", err)
	}
	tx.keep(id, content)
	return id, nil
}

// keep remembers a blob's content until the transaction ends.
func (t *txn) keep(id int64, content []byte) {
	if t.blobs == nil {
		t.blobs = map[int64][]byte{}
	}
	t.blobs[id] = content
}

// readBlob returns the content of blob id, decoding its chain of bases.
func (db *DB) readBlob(ctx context.Context, q querier, id int64) ([]byte, error) {
	tx, _ := q.(*txn)
	if tx != nil {
		if data, ok := tx.blobs[id]; ok {
			return data, nil
		}
	}
	if data, ok := db.blobs.get(id); ok {
		return data, nil
	}
	var (
		codec     int
		base, aux sql.NullInt64
		data      []byte
		size      int
	)
	err := q.QueryRowContext(ctx, `SELECT codec, base_id, aux_id, data, size FROM blobs WHERE id = ?`, id).Scan(&codec, &base, &aux, &data, &size)
	if err != nil {
		return nil, fmt.Errorf("store: read blob %d: %w", id, err)
	}
	var out []byte
	switch {
	case codec == codecRaw:
		out = data
	case base.Valid:
		var dict []byte
		for _, d := range []sql.NullInt64{base, aux} {
			if !d.Valid {
				continue
			}
			b, err := db.readBlob(ctx, q, d.Int64)
			if err != nil {
				return nil, err
			}
			dict = append(dict, b...)
		}
		out, err = decompressWith(dict, data)
		if err != nil {
			return nil, fmt.Errorf("store: decode blob %d: %w", id, err)
		}
	default:
		out, err = db.blobs.dec.DecodeAll(data, nil)
		if err != nil {
			return nil, fmt.Errorf("store: decode blob %d: %w", id, err)
		}
	}
	if len(out) != size {
		return nil, fmt.Errorf("store: blob %d decodes to %d bytes, want %d: the database is damaged", id, len(out), size)
	}
	// Read from the database, so committed: the blobs this transaction
	// wrote were all found in tx.blobs above.
	db.blobs.put(id, out)
	return out, nil
}
