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

// blobCodec compresses and decodes blobs, and keeps the latest ones read.
// Its coders are pooled, not held: a zstd encoder keeps its window and
// tables (megabytes) for as long as it lives, and a daemon that records a
// version a minute should not carry them between versions.
type blobCodec struct {
	// enc pools encoders by window (windowClasses) and by whether they
	// take a dictionary: zstd sets an encoder up again when either
	// changes.
	enc [len(windowClasses)][2]sync.Pool
	dec sync.Pool

	mu    sync.Mutex
	cache map[int64]*list.Element
	lru   list.List
	bytes int
	limit int
}

// windowClasses are the windows of the encoders, the smallest holding the
// dictionary and the content being chosen: a legal text and its page are a
// few hundred KB, and zstd's default window of 8 MiB costs its size in
// history buffers per encoder.
var windowClasses = [...]int{256 << 10, 512 << 10, 1 << 20, 2 << 20, 4 << 20, 8 << 20}

type cached struct {
	id   int64
	data []byte
}

// SpeedDefault with a window sized to the content: on the generated pages
// of bench/ a version is compressed in a fifth of the time
// SpeedBetterCompression took, in a seventh of the memory, for deltas of
// 257 bytes instead of 225 (bench/PLAN.md).
func newBlobCodec() *blobCodec {
	return &blobCodec{cache: map[int64]*list.Element{}, limit: 4 << 20}
}

// compress compresses content, with dict as history when it is not nil.
func (c *blobCodec) compress(dict, content []byte) ([]byte, error) {
	class := len(windowClasses) - 1
	for i, w := range windowClasses {
		if len(dict)+len(content) <= w {
			class = i
			break
		}
	}
	withDict := 0
	if dict != nil {
		withDict = 1
	}
	pool := &c.enc[class][withDict]
	enc, _ := pool.Get().(*zstd.Encoder)
	if enc == nil {
		var err error
		enc, err = zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedDefault), zstd.WithEncoderConcurrency(1),
			zstd.WithLowerEncoderMem(true), zstd.WithWindowSize(windowClasses[class]))
		if err != nil {
			return nil, err
		}
	}
	if dict != nil {
		if err := enc.ResetWithOptions(nil, zstd.WithEncoderDictRaw(1, dict)); err != nil {
			return nil, err
		}
	}
	out := enc.EncodeAll(content, make([]byte, 0, len(content)/8))
	pool.Put(enc)
	return out, nil
}

// decompress decodes data, compressed with dict as history when it is not
// nil.
func (c *blobCodec) decompress(dict, data []byte, size int) ([]byte, error) {
	dec, _ := c.dec.Get().(*zstd.Decoder)
	if dec == nil {
		var err error
		if dec, err = zstd.NewReader(nil, zstd.WithDecoderConcurrency(1)); err != nil {
			return nil, err
		}
	}
	opt := zstd.WithDecoderDictDelete()
	if dict != nil {
		opt = zstd.WithDecoderDictRaw(1, dict)
	}
	if err := dec.ResetWithOptions(nil, opt); err != nil {
		dec.Close()
		return nil, err
	}
	out, err := dec.DecodeAll(data, make([]byte, 0, size))
	c.dec.Put(dec)
	return out, err
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
		// The delta first: against the previous version it is most often
		// a few hundred bytes, and the content alone need not be tried.
		var delta []byte
		if len(used) > 0 {
			if delta, err = db.blobs.compress(dict, content); err != nil {
				return 0, fmt.Errorf("store: compress: %w", err)
			}
		}
		if delta != nil && len(delta) <= len(content)/4 {
			codec, data = codecZstd, delta
		} else {
			plain, err := db.blobs.compress(nil, content)
			if err != nil {
				return 0, fmt.Errorf("store: compress: %w", err)
			}
			codec, data = codecZstd, plain
			if delta != nil && len(delta) < len(plain) {
				data = delta
			} else {
				used, depth = nil, 0
			}
		}
		for i, u := range used {
			refs[i] = sql.NullInt64{Int64: u, Valid: true}
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
		out, err = db.blobs.decompress(dict, data, size)
		if err != nil {
			return nil, fmt.Errorf("store: decode blob %d: %w", id, err)
		}
	default:
		out, err = db.blobs.decompress(nil, data, size)
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
