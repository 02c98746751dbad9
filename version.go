package tracker

import "time"

// Provenance says how the text of a version was obtained.
type Provenance string

// Version provenances.
const (
	ProvenanceFetch   Provenance = "fetch"   // fetched by tracker
	ProvenanceImport  Provenance = "import"  // imported from a dataset
	ProvenanceRebuild Provenance = "rebuild" // re-extracted from a stored snapshot
)

// Version is one recorded state of a document's cleaned text. A version is
// named by its source and its seq (1, 2, ...); its text is the store's to
// read (store.DB.Text).
type Version struct {
	SourceID   string
	Seq        int
	SHA256     string
	Words      int
	FirstSeen  time.Time
	LastSeen   time.Time
	SameAs     int // seq of an identical earlier version, 0 when none
	SnapshotID int64
	Provenance Provenance
	OriginRef  string
	Technical  bool
	// RulesHash identifies the extraction rules that produced the text.
	RulesHash string
}

// Snapshot is a raw fetched document: the body behind a version, or the body
// of a failed fetch kept for inspection.
type Snapshot struct {
	ID        int64
	SourceID  string
	FetchedAt time.Time
	// URL is the final address after redirects.
	URL    string
	Status int
	// Headers are the response headers that matter to read the body again
	// (Content-Type, ETag, Last-Modified, Date...).
	Headers map[string]string
	Body    []byte
	// Error is why the fetch failed; empty for the snapshot of a version.
	Error string
}

// SearchHit is a paragraph of a document found by a search, with the
// versions holding it.
type SearchHit struct {
	SourceID string
	Text     string
	// Runs are the ranges of consecutive versions holding the paragraph.
	Runs [][2]int
	// FirstSeen is when the first version holding it was first seen;
	// LastSeen when the last version holding it was last confirmed.
	FirstSeen, LastSeen time.Time
	// Current is true when the source's latest version holds it.
	Current bool
}

// Versions lists every version number in the hit's runs.
func (h SearchHit) Versions() []int {
	var out []int
	for _, r := range h.Runs {
		for s := r[0]; s <= r[1]; s++ {
			out = append(out, s)
		}
	}
	return out
}
