package api

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"unicode/utf8"

	"tracker"
)

// Snapshot is the page behind a version as tracker fetched it: its address,
// status, the headers kept and the body, byte for byte. The body is a
// string when it is valid UTF-8 (body_encoding "utf-8"), otherwise base64
// (body_encoding "base64"); body_sha256 and size are those of the bytes.
type Snapshot struct {
	Source     string            `json:"source"`
	Seq        int               `json:"seq"`
	SnapshotID int64             `json:"snapshot_id"`
	URL        string            `json:"url"`
	Status     int               `json:"status"`
	FetchedAt  *string           `json:"fetched_at"`
	Headers    map[string]string `json:"headers"`
	Size       int               `json:"size"`
	BodySHA256 string            `json:"body_sha256"`
	// Note says when the body is not the bytes one server sent: a page
	// rendered by a browser, several pages combined.
	Note         string `json:"note"`
	BodyEncoding string `json:"body_encoding,omitempty"`
	Body         string `json:"body,omitempty"`
	// File is where the body is instead (`tracker snapshot --out`, an
	// evidence bundle), which the JSON then leaves out.
	File string `json:"file,omitempty"`
}

// NewSnapshot describes the snapshot s behind version v.
func NewSnapshot(v tracker.Version, s tracker.Snapshot) Snapshot {
	out := Snapshot{
		Source: v.SourceID, Seq: v.Seq, SnapshotID: s.ID, URL: s.URL, Status: s.Status, FetchedAt: Time(s.FetchedAt),
		Headers: s.Headers, Size: len(s.Body), BodySHA256: BodySHA256(s.Body), Note: SnapshotNote(s),
	}
	if out.Headers == nil {
		out.Headers = map[string]string{}
	}
	if utf8.Valid(s.Body) {
		out.BodyEncoding, out.Body = "utf-8", string(s.Body)
	} else {
		out.BodyEncoding, out.Body = "base64", base64.StdEncoding.EncodeToString(s.Body)
	}
	return out
}

// BodySHA256 is the hex SHA-256 of a snapshot's body, as sha256sum prints it.
func BodySHA256(body []byte) string {
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:])
}

// SnapshotNote says how a snapshot's body differs from what a server sent,
// or "" when it is the response's body as received.
func SnapshotNote(s tracker.Snapshot) string {
	if s.Headers["X-Rendered-By"] == "browser" {
		return "rendered by a browser: the body is the page's document after its scripts ran, not the bytes the server sent"
	}
	if n := s.Headers["X-Combined-Pages"]; n != "" {
		return "a document of " + n + " pages: the body is a multipart/mixed message holding each page as served, with its address, status and headers"
	}
	return ""
}
