package evidence

import (
	"fmt"
	"time"

	"tracker"
	"tracker/internal/api"
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
}

type versionFacts struct {
	api.Version
	provenance
	TextFile string `json:"text_file"`
	// SnapshotFile is the snapshot's metadata file, "" when none is stored.
	SnapshotFile string        `json:"snapshot_file"`
	Snapshot     *snapshotMeta `json:"snapshot"`
}

// snapshotMeta is versions/vN/snapshot.json: the HTTP metadata of the page
// as served, and where its body is.
type snapshotMeta struct {
	ID         int64             `json:"snapshot_id"`
	Source     string            `json:"source"`
	URL        string            `json:"url"`
	Status     int               `json:"status"`
	FetchedAt  *string           `json:"fetched_at"`
	Headers    map[string]string `json:"headers"`
	BodyFile   string            `json:"body_file"`
	BodySHA256 string            `json:"body_sha256"`
	BodyBytes  int               `json:"body_bytes"`
}

// provenance says who recorded a version, and with what attribution.
type provenance struct {
	RecordedBy      string `json:"recorded_by"`
	LastConfirmedBy string `json:"last_confirmed_by"`
	Attribution     string `json:"attribution,omitempty"`
	Licence         string `json:"licence,omitempty"`
	// Statement says it in sentences, for the README.
	Statement string `json:"statement"`
}

// Open Terms Archive's datasets are under ODC-BY 1.0, which asks for this
// attribution.
const (
	otaName        = "Open Terms Archive"
	otaAttribution = "Open Terms Archive contributors"
	otaLicence     = "ODC-BY 1.0 (Open Data Commons Attribution License)"
)

// provenanceOf says who recorded version v of src. It is the one place
// that words provenance here.
func provenanceOf(src tracker.Source, v tracker.Version) provenance {
	first, last := stamp(v.FirstSeen), stamp(v.LastSeen)
	switch v.Provenance {
	case tracker.ProvenanceImport:
		p := provenance{RecordedBy: "dataset", LastConfirmedBy: "dataset", Attribution: otaAttribution, Licence: otaLicence}
		p.Statement = fmt.Sprintf("Imported from a dataset of %s (file %s), which recorded this text on %s. "+
			"Its last confirmation, %s, is the dataset's: when it recorded the next version or last found this text unchanged, not a fetch by tracker. "+
			"No page as served is stored: the dataset records the text, not the page. Data by %s, licensed under %s.",
			otaName, v.OriginRef, first, last, otaAttribution, otaLicence)
		return p
	case tracker.ProvenanceRebuild:
		return provenance{RecordedBy: "tracker", LastConfirmedBy: "tracker",
			Statement: fmt.Sprintf("Re-extracted by tracker on %s from the page it had stored (snapshot %d) after its extraction rules changed: "+
				"the document did not change, tracker's reading of it did. Last confirmed by tracker's fetches on %s.", first, v.SnapshotID, last)}
	}
	where := src.URL
	if where == "" {
		where = "its address"
	}
	return provenance{RecordedBy: "tracker", LastConfirmedBy: "tracker",
		Statement: fmt.Sprintf("Fetched by tracker from %s, first seen %s; last confirmed by tracker's fetches on %s (fetch-log.json lists them).",
			where, first, last)}
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return "an unknown date"
	}
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}
