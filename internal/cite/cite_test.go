package cite_test

import (
	"strings"
	"testing"
	"time"

	"tracker"
	"tracker/internal/cite"
	"tracker/internal/config"
)

var (
	t0   = time.Date(2023, 5, 5, 0, 42, 0, 0, time.UTC)
	next = time.Date(2023, 8, 7, 0, 45, 0, 0, time.UTC)
)

func TestCitation(t *testing.T) {
	importOnly := cite.DocOf(tracker.Source{ID: "tiktok-terms-of-service", Name: "TikTok Terms of Service", Origin: tracker.OriginImport}, nil)
	declared := cite.DocOf(tracker.Source{ID: "tiktok-terms", Name: "stored name", Origin: tracker.OriginConfig, LastOKAt: next.Add(time.Hour)},
		&config.Source{ID: "tiktok-terms", Name: "TikTok Terms (EEA)", URL: "https://www.tiktok.com/legal/page/eea/terms-of-service/en"})
	removed := cite.DocOf(tracker.Source{ID: "old", Name: "Old terms", URL: "https://example.com/terms", Origin: tracker.OriginConfig, LastOKAt: next.Add(48 * time.Hour)}, nil)
	imported := tracker.Version{SourceID: "x", Seq: 10, SHA256: "abc", FirstSeen: t0, LastSeen: next,
		Provenance: tracker.ProvenanceImport, OriginRef: "ota-tiktok/TikTok/Terms of Service/2023-05-05T00-42-00Z.md"}
	nextV := tracker.Version{Seq: 11, FirstSeen: next, LastSeen: next.Add(24 * time.Hour)}
	fetched := tracker.Version{SourceID: "x", Seq: 3, SHA256: "def", FirstSeen: t0, LastSeen: next, Provenance: tracker.ProvenanceFetch}

	for _, tc := range []struct {
		name  string
		f     cite.Facts
		by    cite.ConfirmedBy
		last  time.Time
		want  []string
		avoid []string
	}{
		{
			name: "an imported version superseded in the dataset",
			f:    cite.Facts{Doc: importOnly, Version: imported, Next: nextV, Current: tracker.Version{Seq: 28, LastSeen: next.AddDate(3, 0, 0)}},
			by:   cite.ByDataset, last: next,
			want: []string{"TikTok Terms of Service, version 10, first seen 2023-05-05 00:42 UTC, last confirmed 2023-08-07 00:45 UTC by Open Terms Archive, when it recorded the next version",
				"imported from Open Terms Archive (ota-tiktok/TikTok/Terms of Service/2023-05-05T00-42-00Z.md); Open Terms Archive contributors, ODC-BY 1.0",
				"no longer followed since 2026-08-07 00:45 UTC"},
			avoid: []string{"tracker's fetches"},
		},
		{
			name: "the latest imported version",
			f:    cite.Facts{Doc: importOnly, Version: imported, Current: imported},
			by:   cite.ByDataset, last: next,
			want:  []string{"last confirmed 2023-08-07 00:45 UTC by Open Terms Archive, SHA-256 abc", "no longer followed since 2023-08-07 00:45 UTC"},
			avoid: []string{"next version"},
		},
		{
			name: "an imported version tracker's fetches confirmed later",
			f: cite.Facts{Doc: declared, Version: tracker.Version{Seq: 10, FirstSeen: t0, LastSeen: next.Add(time.Hour), Provenance: tracker.ProvenanceImport, OriginRef: "ota/T/x.md"},
				Current: tracker.Version{Seq: 10}, Confirmations: []tracker.FetchRun{{VersionSeq: 10, Outcome: tracker.OutcomeUnchanged, LastAt: next.Add(time.Hour)}}},
			by: cite.ByTracker, last: next.Add(time.Hour),
			want:  []string{"TikTok Terms (EEA), https://www.tiktok.com/legal/page/eea/terms-of-service/en, version 10", "last confirmed 2023-08-07 01:45 UTC by tracker's fetches", "Open Terms Archive contributors, ODC-BY 1.0"},
			avoid: []string{"no longer followed"},
		},
		{
			name: "a fetched version",
			f: cite.Facts{Doc: declared, Version: fetched, Current: fetched,
				Confirmations: []tracker.FetchRun{{VersionSeq: 3, Outcome: tracker.OutcomeNew, LastAt: t0}, {VersionSeq: 3, Outcome: tracker.OutcomeUnchanged, LastAt: next}}},
			by: cite.ByTracker, last: next,
			want:  []string{"version 3, first seen 2023-05-05 00:42 UTC, last confirmed 2023-08-07 00:45 UTC by tracker's fetches, SHA-256 def; fetched by tracker."},
			avoid: []string{"Open Terms Archive", "no longer followed"},
		},
		{
			name: "a source removed from sources.yaml",
			f:    cite.Facts{Doc: removed, Version: fetched, Current: fetched},
			by:   cite.ByTracker, last: next,
			want: []string{"Old terms, https://example.com/terms, version 3", "no longer followed since 2023-08-09 00:45 UTC"},
		},
		{
			name: "an address that is no web page's",
			f:    cite.Facts{Doc: cite.Doc{ID: "evil", Name: "Evil", URL: "javascript:alert(4)", Declared: true}, Version: fetched, Current: fetched},
			by:   cite.ByTracker, last: next,
			want:  []string{"Evil, version 3,"},
			avoid: []string{"javascript"},
		},
		{
			name: "a rebuilt version no fetch has read",
			f:    cite.Facts{Doc: declared, Version: tracker.Version{Seq: 4, FirstSeen: next, LastSeen: next, Provenance: tracker.ProvenanceRebuild}, Current: tracker.Version{Seq: 4}},
			by:   cite.ByRebuild, last: next,
			want: []string{"re-extracted by tracker from a stored snapshot", "rebuilt by tracker from a stored snapshot"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := cite.New(tc.f)
			if c.ConfirmedBy != tc.by || !c.LastConfirmed.Equal(tc.last) {
				t.Errorf("confirmed by %s at %v, want %s at %v", c.ConfirmedBy, c.LastConfirmed, tc.by, tc.last)
			}
			text := c.Text()
			for _, w := range tc.want {
				if !strings.Contains(text, w) {
					t.Errorf("citation %q\nlacks %q", text, w)
				}
			}
			for _, a := range tc.avoid {
				if strings.Contains(text, a) {
					t.Errorf("citation %q\nsays %q", text, a)
				}
			}
		})
	}
}
