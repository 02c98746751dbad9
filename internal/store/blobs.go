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
	return &blobCodec{enc: enc, delta: delta, dec: dec, cache: map[int64]*list.Element{}, limit: 64 << 20}
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

// putBlob stores content, compressed against the blob baseID when that pays,
// and returns its id. Identical content is stored once.
func (db *DB) putBlob(ctx context.Context, tx *txn, content []byte, baseID int64) (int64, error) {
	sum := sha256.Sum256(content)
	var id int64
	err := tx.QueryRowContext(ctx, `SELECT id FROM blobs WHERE sha256 = ?`, sum[:]).Scan(&id)
	if err == nil {
		return id, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("store: find blob: %w", err)
	}

	codec, data, base, depth := codecRaw, content, sql.NullInt64{}, 0
	if len(content) >= rawBelow {
		codec, data = codecZstd, db.blobs.enc.EncodeAll(content, nil)
		if baseID != 0 {
			var baseDepth int
			if err := tx.QueryRowContext(ctx, `SELECT depth FROM blobs WHERE id = ?`, baseID).Scan(&baseDepth); err != nil {
				return 0, fmt.Errorf("store: base blob %d: %w", baseID, err)
			}
			if baseDepth < maxDepth {
				dict, err := db.readBlob(ctx, tx, baseID)
				if err != nil {
					return 0, err
				}
				delta, err := db.blobs.compressWith(dict, content)
				if err != nil {
					return 0, fmt.Errorf("store: compress: %w", err)
				}
				if len(delta) < len(data) {
					data, base, depth = delta, sql.NullInt64{Int64: baseID, Valid: true}, baseDepth+1
				}
			}
		}
		if len(data) >= len(content) {
			codec, data, base, depth = codecRaw, content, sql.NullInt64{}, 0
		}
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO blobs(sha256, size, codec, base_id, depth, data) VALUES (?, ?, ?, ?, ?, ?)`,
		sum[:], len(content), codec, base, depth, data)
	if err != nil {
		return 0, fmt.Errorf("store: save blob: %w", err)
	}
	id, err = res.LastInsertId()
	if err != nil {
		return 0, err
	}
	db.blobs.put(id, content)
	return id, nil
}

// readBlob returns the content of blob id, decoding its chain of bases.
func (db *DB) readBlob(ctx context.Context, q querier, id int64) ([]byte, error) {
	if data, ok := db.blobs.get(id); ok {
		return data, nil
	}
	var (
		codec int
		base  sql.NullInt64
		data  []byte
		size  int
	)
	err := q.QueryRowContext(ctx, `SELECT codec, base_id, data, size FROM blobs WHERE id = ?`, id).Scan(&codec, &base, &data, &size)
	if err != nil {
		return nil, fmt.Errorf("store: read blob %d: %w", id, err)
	}
	var out []byte
	switch {
	case codec == codecRaw:
		out = data
	case base.Valid:
		dict, err := db.readBlob(ctx, q, base.Int64)
		if err != nil {
			return nil, err
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
	db.blobs.put(id, out)
	return out, nil
}
