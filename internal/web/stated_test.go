package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// The flags are HTML-escaped as the templates write them.
const (
	unannouncedNote = "unannounced: the document&#39;s “Last updated” date (2023-08) did not move; the date line: “Last updated: August 2023”"
	redatedNote     = "redated:"
)

// timelineEntry is the timeline's entry of version seq, on whichever page
// it is.
func timelineEntry(t *testing.T, id string, seq int) string {
	t.Helper()
	for p := 1; p < 10; p++ {
		res, body := get(t, shared.h, fmt.Sprintf("/sources/%s?page=%d", id, p))
		if res.StatusCode != http.StatusOK {
			break
		}
		start := strings.Index(body, fmt.Sprintf(`<li id="v%d">`, seq))
		if start < 0 {
			continue
		}
		end := strings.Index(body[start:], "</li>")
		return body[start : start+end]
	}
	t.Fatalf("version %d of %s is on no page of its timeline", seq, id)
	return ""
}

// TestUnannouncedOnThePages: TikTok moved its Irish company's registered
// office in its terms (version 12, recorded 23 November 2024) under an
// unmoved "Last updated: August 2023"; version 13 dated the terms anew.
func TestUnannouncedOnThePages(t *testing.T) {
	mustContain(t, "timeline, version 12", timelineEntry(t, "tiktok-terms-of-service", 12), `<div class="announcement">`+unannouncedNote+`</div>`)
	mustNotContain(t, "timeline, version 13", timelineEntry(t, "tiktok-terms-of-service", 13), "announcement", "unannounced", redatedNote)
	mustNotContain(t, "timeline, version 9 (a banner removed, same date)", timelineEntry(t, "tiktok-terms-of-service", 9), "announcement", "unannounced", redatedNote)

	mustContain(t, "diff page 11→12", page(t, "/sources/tiktok-terms-of-service/diff?from=11&to=12", http.StatusOK),
		`<p class="announcement">`+unannouncedNote+`</p>`)
	mustNotContain(t, "diff page 12→13", page(t, "/sources/tiktok-terms-of-service/diff?from=12&to=13", http.StatusOK), "unannounced", redatedNote)
	// Any two versions compare their dates: 13 put the address of 11
	// back, and moved the date from August 2023 to November 2024 over
	// nothing else of substance.
	mustContain(t, "diff page 11→13", page(t, "/sources/tiktok-terms-of-service/diff?from=11&to=13", http.StatusOK),
		`<p class="announcement">redated: the document&#39;s “Last updated” date moved (2023-08 → 2024-11), but nothing of substance changed; the date line: “Last updated: November 2024”</p>`)
}

// TestUnannouncedInTheAPI: /api/changes answers as tracker changes --json.
func TestUnannouncedInTheAPI(t *testing.T) {
	body := page(t, "/api/changes?source=tiktok-terms-of-service", http.StatusOK)
	var list []struct {
		ToSeq       int  `json:"to_seq"`
		Unannounced bool `json:"unannounced"`
		StatedDate  *struct {
			Kind       string  `json:"kind"`
			Before     *string `json:"before"`
			After      *string `json:"after"`
			BeforeLine string  `json:"before_line"`
			Line       string  `json:"line"`
			Note       string  `json:"note"`
		} `json:"stated_date"`
	}
	if err := json.Unmarshal([]byte(body), &list); err != nil {
		t.Fatal(err)
	}
	flagged := map[int]bool{}
	for _, c := range list {
		if c.StatedDate == nil {
			t.Fatalf("change to version %d: no stated_date", c.ToSeq)
		}
		if c.Unannounced {
			flagged[c.ToSeq] = true
		}
		if c.Unannounced != (c.StatedDate.Kind == "unannounced") {
			t.Errorf("change to version %d: unannounced %v, kind %s", c.ToSeq, c.Unannounced, c.StatedDate.Kind)
		}
		switch c.ToSeq {
		case 12:
			s := c.StatedDate
			if s.Before == nil || *s.Before != "2023-08" || s.After == nil || *s.After != "2023-08" || s.Line != "Last updated: August 2023" ||
				s.Note != "unannounced: the document's “Last updated” date (2023-08) did not move" {
				t.Errorf("change to version 12: %+v", *s)
			}
		case 13:
			if s := c.StatedDate; s.Kind != "announced" || *s.Before != "2023-08" || *s.After != "2024-11" {
				t.Errorf("change to version 13: %+v", *s)
			}
		}
	}
	// Verified by reading both texts: the contact and notice wording
	// (2, 3), the UK company's office (4), the Irish company's office
	// (12, and 14 after 13 had put the old one back).
	if fmt.Sprint(flagged) != "map[2:true 3:true 4:true 12:true 14:true]" {
		t.Errorf("unannounced changes: %v", flagged)
	}
}
