package changes

import (
	"strings"
	"testing"
	"time"

	"tracker"
)

// A document that flip-flops is shown once, as important as its weightiest
// switch: a cosmetic first edit must not hide the major switches after it
// from a recipient who reads only minor and major changes. Changes of
// another document in between do not break the run.
func TestFoldKeepsTheWeightiestImportance(t *testing.T) {
	at := time.Date(2026, 7, 20, 10, 0, 0, 0, time.UTC)
	chs := []tracker.Change{
		{SourceID: "pp", FromSeq: 1, ToSeq: 2, DetectedAt: at, Importance: Cosmetic, Summary: "punctuation"},
		{SourceID: "pp", FromSeq: 2, ToSeq: 3, DetectedAt: at.Add(time.Hour), Importance: Major, SameAs: 1, Summary: "back"},
		{SourceID: "tos", FromSeq: 7, ToSeq: 8, DetectedAt: at.Add(90 * time.Minute), Importance: Minor, Summary: "other document"},
		{SourceID: "pp", FromSeq: 3, ToSeq: 4, DetectedAt: at.Add(2 * time.Hour), Importance: Major, SameAs: 2, Summary: "forth"},
		{SourceID: "pp", FromSeq: 4, ToSeq: 5, DetectedAt: at.Add(3 * time.Hour), Importance: Minor, Summary: "a new clause"},
	}
	got := Fold(chs)
	if len(got) != 3 || got[0].Importance != Major || got[0].Switches != 3 || got[0].Note() != "went back and forth 3 times between versions 1 and 4, now at the text of version 2" ||
		got[1].SourceID != "tos" || got[2].ToSeq != 5 || got[2].Importance != Minor || got[2].Note() != "" {
		t.Errorf("fold: %+v", got)
	}
	// Two switches are shown as they are.
	if got := Fold(chs[:2]); len(got) != 2 || got[1].Note() != "" || !strings.Contains(got[1].Summary, "back") {
		t.Errorf("a short run: %+v", got)
	}
}
