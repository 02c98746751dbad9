package changes_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"tracker"
	"tracker/internal/changes"
	"tracker/internal/labelstest"
	"tracker/internal/ota"
	"tracker/internal/record"
	"tracker/internal/replaytest"
	"tracker/internal/storetest"
	trackertext "tracker/internal/text"
	"tracker/internal/topics"
)

// label is one hand-labelled change of testdata/labels/changes.tsv.
type label struct {
	split, dataset, document, from, to string
	importance, artefact               string
	topics                             []string
	reason                             string
}

func (l label) key() string { return l.dataset + "/" + l.document + "/" + l.from + "/" + l.to }

func readLabels(tb testing.TB) []label {
	tb.Helper()
	var out []label
	for _, c := range labelstest.Rows(tb, "changes.tsv", 11) {
		out = append(out, label{split: c[0], dataset: c[1], document: c[2], from: c[3], to: c[4], importance: c[6], artefact: c[7],
			topics: labelstest.Topics(c[8]), reason: c[10]})
	}
	return out
}

// predicted is what tracker says of a labelled change.
type predicted struct {
	found      bool // the pair of files is a change tracker recorded, or no change at all
	importance string
	topics     []string
	summary    string
}

// predictions imports every document of the labelled datasets, as a user
// would (tracker import ota), and reads back what tracker recorded for each
// labelled pair of files.
func predictions(tb testing.TB, labels []label) map[string]predicted {
	tb.Helper()
	ctx := context.Background()
	tax, err := topics.Compile(topics.Defaults(), nil)
	if err != nil {
		tb.Fatal(err)
	}
	out := map[string]predicted{}
	byDataset := map[string][]label{}
	for _, l := range labels {
		byDataset[l.dataset] = append(byDataset[l.dataset], l)
	}
	for dataset, ls := range byDataset {
		db := storetest.Open(tb)
		if _, err := ota.Import(ctx, db, filepath.Join(replaytest.TestdataDir(), dataset), ota.Options{Taxonomy: tax}); err != nil {
			tb.Fatal(err)
		}
		for _, l := range ls {
			service, terms, _ := strings.Cut(l.document, "/")
			id := ota.SourceID(service, terms)
			vs, err := db.Versions(ctx, id)
			if err != nil {
				tb.Fatal(err)
			}
			vf, vt := versionAt(tb, vs, l.from), versionAt(tb, vs, l.to)
			switch {
			case vf == vt:
				out[l.key()] = predicted{found: true, importance: "cosmetic"}
			case vt == vf+1:
				c, err := db.ChangeTo(ctx, id, vt)
				if err != nil {
					tb.Fatal(err)
				}
				p := predicted{found: true, importance: string(c.Importance), summary: c.Summary}
				for _, m := range c.Topics {
					p.topics = append(p.topics, m.Topic)
				}
				out[l.key()] = p
			default:
				out[l.key()] = predicted{} // the dataset's order and the files' times disagree
			}
		}
	}
	return out
}

// versionAt is the seq of the version in force when the file named by its
// recording time was recorded.
func versionAt(tb testing.TB, vs []tracker.Version, file string) int {
	at, err := time.Parse("2006-01-02T15-04-05Z", file)
	if err != nil {
		tb.Fatal(err)
	}
	seq := 0
	for _, v := range vs {
		if !v.FirstSeen.After(at) {
			seq = v.Seq
		}
	}
	return seq
}

// score counts agreements per topic and of importance.
type score struct {
	tp, fp, fn          map[string]int
	changes, importance int
	cosmeticRatedMajor  int
	fpOnCosmetic        int // extra topics on changes labelled cosmetic
	missing             int
	confusion           map[[2]string]int
	errors              []string
}

func newScore() *score {
	return &score{tp: map[string]int{}, fp: map[string]int{}, fn: map[string]int{}, confusion: map[[2]string]int{}}
}

func (s *score) add(l label, p predicted) {
	if !p.found {
		s.missing++
		return
	}
	s.changes++
	if p.importance == l.importance {
		s.importance++
	} else {
		s.errors = append(s.errors, fmt.Sprintf("importance %s, labelled %s: %s %s→%s (%s) %s", p.importance, l.importance, l.document, l.from, l.to, l.reason, p.summary))
	}
	s.confusion[[2]string{l.importance, p.importance}]++
	if l.importance == "cosmetic" && p.importance == "major" {
		s.cosmeticRatedMajor++
	}
	want := map[string]bool{}
	for _, t := range l.topics {
		want[t] = true
	}
	got := map[string]bool{}
	for _, t := range p.topics {
		got[t] = true
	}
	for t := range got {
		if want[t] {
			s.tp[t]++
		} else {
			s.fp[t]++
			if l.importance == "cosmetic" {
				s.fpOnCosmetic++
			}
			s.errors = append(s.errors, fmt.Sprintf("extra %s: %s %s→%s (%s)", t, l.document, l.from, l.to, l.reason))
		}
	}
	for t := range want {
		if !got[t] {
			s.fn[t]++
			s.errors = append(s.errors, fmt.Sprintf("missed %s: %s %s→%s (%s)", t, l.document, l.from, l.to, l.reason))
		}
	}
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}

func (s *score) micro() (p, r float64) {
	var tp, fp, fn int
	for _, n := range s.tp {
		tp += n
	}
	for _, n := range s.fp {
		fp += n
	}
	for _, n := range s.fn {
		fn += n
	}
	return ratio(tp, tp+fp), ratio(tp, tp+fn)
}

func (s *score) report(tb testing.TB, name string, showErrors bool) {
	p, r := s.micro()
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d changes (%d not comparable): topics precision %.2f recall %.2f; importance agrees %d/%d (%.0f %%); cosmetic rated major: %d; extra topics on cosmetic changes: %d\n",
		name, s.changes, s.missing, p, r, s.importance, s.changes, 100*ratio(s.importance, s.changes), s.cosmeticRatedMajor, s.fpOnCosmetic)
	var ts []string
	seen := map[string]bool{}
	for _, m := range []map[string]int{s.tp, s.fp, s.fn} {
		for t := range m {
			if !seen[t] {
				seen[t] = true
				ts = append(ts, t)
			}
		}
	}
	sort.Strings(ts)
	for _, t := range ts {
		fmt.Fprintf(&b, "  %-10s precision %.2f recall %.2f (tp %d fp %d fn %d)\n", t,
			ratio(s.tp[t], s.tp[t]+s.fp[t]), ratio(s.tp[t], s.tp[t]+s.fn[t]), s.tp[t], s.fp[t], s.fn[t])
	}
	fmt.Fprintf(&b, "  importance (labelled → said):")
	for _, a := range []string{"cosmetic", "minor", "major"} {
		for _, c := range []string{"cosmetic", "minor", "major"} {
			fmt.Fprintf(&b, " %s→%s %d", a[:3], c[:3], s.confusion[[2]string{a, c}])
		}
	}
	tb.Log(b.String())
	// Only the tuning part's errors are shown: the held-out part must stay
	// unseen by whoever tunes.
	if os.Getenv("TRACKER_EVAL_ERRORS") != "" && showErrors {
		for _, e := range s.errors {
			tb.Log("  " + e)
		}
	}
}

// floor is the least a split may score: overall, and per topic with at
// least five labelled changes. The floors are the figures when they were
// set, a little lower: a regression fails the test; an improvement should
// raise them.
type floor struct {
	precision, recall, importance float64
	topics                        map[string][2]float64 // precision, recall
}

var changeFloors = map[string]floor{
	"tune": {0.71, 0.86, 0.87, map[string][2]float64{
		"ai": {0.50, 0.45}, "consumer": {0.37, 0.57}, "ip": {0.31, 0.90}, "minors": {0.33, 0.82}, "moderation": {0.31, 0.90}, "privacy": {0.70, 0.80}}},
	"holdout": {0.54, 0.70, 0.85, map[string][2]float64{
		"consumer": {0.75, 0.78}, "ip": {0.35, 0.45}, "moderation": {0.48, 0.60}, "privacy": {0.46, 0.80}}},
	"fresh": {0.50, 0.45, 0.55, nil},
}

// check fails tb when the score falls below its floor.
func (s *score) check(tb testing.TB, name string, f floor) {
	tb.Helper()
	p, r := s.micro()
	imp := ratio(s.importance, s.changes)
	if p < f.precision || r < f.recall || imp < f.importance {
		tb.Errorf("%s: precision %.2f recall %.2f importance %.2f, below the floor %.2f %.2f %.2f", name, p, r, imp, f.precision, f.recall, f.importance)
	}
	for topic, want := range f.topics {
		tp, fp, fn := s.tp[topic], s.fp[topic], s.fn[topic]
		if tp+fn < 5 {
			continue
		}
		if tp, tr := ratio(tp, tp+fp), ratio(tp, tp+fn); tp < want[0] || tr < want[1] {
			tb.Errorf("%s: %s precision %.2f recall %.2f, below the floor %.2f %.2f", name, topic, tp, tr, want[0], want[1])
		}
	}
}

// TestMeaningOnLabelledChanges measures what tracker says real changes mean
// against hand labels (testdata/labels), on the part used to tune the
// classification and on the part never tuned on.
func TestMeaningOnLabelledChanges(t *testing.T) {
	labels := readLabels(t)
	pred := predictions(t, labels)
	// fresh: a third set, from other platforms, built and labelled after
	// the classification was tuned, and never looked at change by change.
	for _, split := range []string{"tune", "holdout", "fresh"} {
		s := newScore()
		for _, l := range labels {
			if l.split == split {
				s.add(l, pred[l.key()])
			}
		}
		s.report(t, split, split == "tune")
		s.check(t, split, changeFloors[split])
	}
}

// TestShowLabelledChange prints how tracker reads one labelled change, for
// whoever improves the classification:
// TRACKER_EVAL_SHOW='TikTok/Privacy Policy 2021-03-03T07-27-25Z' go test ./internal/changes -run TestShowLabelledChange -v
func TestShowLabelledChange(t *testing.T) {
	want := os.Getenv("TRACKER_EVAL_SHOW")
	if want == "" {
		t.Skip("set TRACKER_EVAL_SHOW to 'Service/Terms type FROM' to see one change")
	}
	ctx := context.Background()
	tax, err := topics.Compile(topics.Defaults(), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range readLabels(t) {
		if l.document+" "+l.from != want {
			continue
		}
		db := storetest.Open(t)
		if _, err := ota.Import(ctx, db, filepath.Join(replaytest.TestdataDir(), l.dataset), ota.Options{Taxonomy: tax}); err != nil {
			t.Fatal(err)
		}
		service, terms, _ := strings.Cut(l.document, "/")
		id := ota.SourceID(service, terms)
		vs, err := db.Versions(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		vf, vt := versionAt(t, vs, l.from), versionAt(t, vs, l.to)
		if vt != vf+1 {
			t.Fatalf("versions %d and %d are not consecutive", vf, vt)
		}
		text := func(seq int) string {
			v, err := db.Version(ctx, id, seq)
			if err != nil {
				t.Fatal(err)
			}
			s, err := db.Text(ctx, v)
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
		doc := record.Document(ctx, db, id, vf)
		oldText, newText := text(vf), text(vt)
		c := changes.AnalyzeIn(oldText, newText, changes.Context{Taxonomy: tax, Document: doc})
		t.Logf("labelled %s %v (%s): %s", l.importance, l.topics, l.artefact, l.reason)
		t.Logf("said %s %s %+v: %s", c.Importance, c.Artefact, c.Topics, c.Reason)
		for _, p := range c.Passages {
			t.Logf("  %s old %d new %d %q words %d artefact %q topics %+v turn %v\n      %s", p.Kind, p.OldLine, p.NewLine, p.Section, p.Words, p.Artefact, p.Topics, p.Turn, p.Reason)
			if doc.History != nil {
				t.Logf("      runs before: old %d new %d", runs(doc, oldText, p.OldLine), runs(doc, newText, p.NewLine))
			}
		}
	}
}

// runs is how many runs of versions before held the paragraph at line of
// a text, -1 when there is none.
func runs(doc changes.Document, s string, line int) int {
	for _, p := range trackertext.Paragraphs(s) {
		if p.Line == line {
			return doc.History(strings.TrimSpace(p.Text))
		}
	}
	return -1
}
