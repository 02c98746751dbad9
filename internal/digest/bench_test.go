package digest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"tracker"
	"tracker/internal/changes"
	"tracker/internal/config"
	"tracker/internal/mailpittest"
	"tracker/internal/store"
	"tracker/internal/storetest"
)

// BenchmarkSendDigests renders and sends the digests of 100 recipients over
// a week of 500 changes (10 documents of 50 versions) to a local SMTP server.
// One op is the whole run.
func BenchmarkSendDigests(b *testing.B) {
	mp := mailpittest.Start(b)
	var cfgYAML strings.Builder
	fmt.Fprintf(&cfgYAML, "mail:\n  from: tracker@example.com\n  smtp: {host: 127.0.0.1, port: %d, tls: none}\nsources:\n", mp.SMTPPort)
	for d := range 10 {
		fmt.Fprintf(&cfgYAML, "  - {id: doc-%d, kind: page, url: 'https://example.com/%d', select: article}\n", d, d)
	}
	cfg, err := config.Parse("sources.yaml", []byte(cfgYAML.String()))
	if err != nil {
		b.Fatal(err)
	}
	tax := taxonomy(b, cfg)
	ctx := context.Background()
	db := storetest.Open(b)
	defer db.Close()
	end := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	topicsOf := []string{"privacy", "consumer", "ip", "minors", "moderation", "ai"}
	phrases := []string{"personal data", "refund", "copyright", "parental consent", "content moderation", "automated decision"}
	for d := range 10 {
		id := fmt.Sprintf("doc-%d", d)
		if err := db.UpsertSource(ctx, store.SourceInfo{ID: id, Kind: "page", Name: "Document " + id}); err != nil {
			b.Fatal(err)
		}
		paras := make([]string, 40)
		for i := range paras {
			paras[i] = fmt.Sprintf("Clause %d. We may update this clause about our services from time to time, and we will tell you when we do.", i)
		}
		prev := ""
		for v := range 51 {
			if v > 0 {
				paras[v%40] = fmt.Sprintf("Clause %d. We process your %s under revision %d of this clause.", v%40, phrases[(d+v)%6], v)
			}
			text := strings.Join(paras, "\n")
			at := end.Add(-7*24*time.Hour + time.Duration(d*51+v)*10*time.Minute)
			nv := store.NewVersion{SourceID: id, Text: text, At: at, ExpectSeq: v, Provenance: tracker.ProvenanceImport}
			if v > 0 {
				ch := changes.Analyze(prev, text, tax)
				nv.Change = &tracker.Change{Importance: ch.Importance, WordsAdded: ch.Diff.WordsAdded, WordsRemoved: ch.Diff.WordsRemoved,
					Topics: ch.Topics, Summary: ch.Diff.Summary()}
			}
			if _, _, err := db.AddVersion(ctx, nv); err != nil {
				b.Fatal(err)
			}
			prev = text
		}
	}
	s, err := NewSender(cfg, tax, db, func(string) string { return "" }, nil)
	if err != nil {
		b.Fatal(err)
	}
	s.Now = func() time.Time { return end.Add(time.Hour) }
	round := 0
	for b.Loop() {
		round++
		// New recipients each round: each gets a first digest of the week.
		var rs []*config.Recipient
		for i := range 100 {
			r := &config.Recipient{Name: fmt.Sprintf("Officer %d", i), Address: fmt.Sprintf("officer%d.r%d@example.com", i, round),
				MinImportance: "minor", Location: time.UTC}
			if i%2 == 1 {
				r.Topics = []string{topicsOf[i%6]}
			}
			rs = append(rs, r)
		}
		for _, o := range s.SendDue(ctx, rs) {
			if o.Err != nil || o.Digest.State != tracker.DigestSent {
				b.Fatalf("%s: %v %s", o.Recipient, o.Err, o.Skipped)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N)/100, "ms/recipient")
}
