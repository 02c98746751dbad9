package evidence

import (
	"fmt"

	"tracker"
	"tracker/internal/api"
	"tracker/internal/cite"
)

// provenanceFile is provenance.json: the source, and for each version what
// the database records of it (its SHA-256 above all) and who recorded it.
type provenanceFile struct {
	Source sourceFacts `json:"source"`
	// FromSeq is 0 when the bundle holds one version.
	FromSeq  int            `json:"from_seq"`
	ToSeq    int            `json:"to_seq"`
	Versions []versionFacts `json:"versions"`
}

type sourceFacts struct {
	ID     string             `json:"id"`
	Name   string             `json:"name"`
	URL    string             `json:"url"`
	Kind   tracker.SourceKind `json:"kind"`
	Origin tracker.Origin     `json:"origin"`
	// Followed is false when tracker no longer fetches the document (an
	// import-only source, or one no longer declared or disabled).
	Followed bool `json:"followed"`
}

type versionFacts struct {
	// Version is as in `history --json`, with its citation.
	api.Version
	provenance
	TextFile string `json:"text_file"`
	// SnapshotFile is the snapshot's metadata file, "" when none is stored.
	SnapshotFile string        `json:"snapshot_file"`
	Snapshot     *api.Snapshot `json:"snapshot"`
}

// provenance says who recorded a version, and with what attribution, as
// its citation (package cite) says it.
type provenance struct {
	// RecordedBy is tracker (it fetched or re-extracted the text) or
	// dataset (it was imported).
	RecordedBy string `json:"recorded_by"`
	// LastConfirmedBy is the citation's confirmed_by: tracker, dataset or
	// rebuild.
	LastConfirmedBy cite.ConfirmedBy `json:"last_confirmed_by"`
	Attribution     string           `json:"attribution,omitempty"`
	Licence         string           `json:"licence,omitempty"`
	// Statement says it in sentences, for the README.
	Statement string `json:"statement"`
}

// provenanceOf says who recorded the version c cites.
func provenanceOf(c cite.Citation) provenance {
	p := provenance{RecordedBy: "tracker", LastConfirmedBy: c.ConfirmedBy}
	switch c.Provenance {
	case tracker.ProvenanceImport:
		p.RecordedBy, p.Attribution, p.Licence = "dataset", cite.Attribution, cite.Licence
		p.Statement = fmt.Sprintf("Imported from a dataset of %s (file %s), which recorded this text: its last confirmation is the dataset's, "+
			"not a fetch by tracker. No page as served is stored: the dataset records the text, not the page. Data by %s, licensed under %s.",
			cite.DatasetName, c.OriginRef, cite.Attribution, cite.Licence)
	case tracker.ProvenanceRebuild:
		p.Statement = "Re-extracted by tracker from a page it had stored, after its extraction rules changed: " +
			"the document did not change, tracker's reading of it did."
	default:
		where := c.URL
		if where == "" {
			where = "the document's address"
		}
		p.Statement = fmt.Sprintf("Fetched by tracker from %s; fetch-log.json lists the fetches that confirmed it.", where)
	}
	return p
}
