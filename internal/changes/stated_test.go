package changes_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"tracker"
	"tracker/internal/changes"
	"tracker/internal/ota"
	"tracker/internal/replaytest"
	"tracker/internal/store"
	"tracker/internal/storetest"
	"tracker/internal/topics"
)

// TestStatedDateOfRealDocuments reads the stated date of real documents
// of testdata/ota-*, whole, as recorded: the line it is read from is the
// document's own, not a sentence about dates elsewhere in it.
func TestStatedDateOfRealDocuments(t *testing.T) {
	for _, tc := range []struct {
		file, date, line string
	}{
		{"ota-tiktok/TikTok/Terms of Service/2020-07-29T13-32-40Z.md", "2020-07", "_Last updated: July 2020_"},
		{"ota-tiktok/TikTok/Terms of Service/2024-11-23T18-14-46Z.md", "2023-08", "_Last updated: August 2023_"},
		{"ota-tiktok/TikTok/Privacy Policy/2022-01-18T12-40-50Z.md", "2021-10-05", "**_Last updated:_** _5 October 2021_"},
		// The same policy served in French: the same date.
		{"ota-tiktok/TikTok/Privacy Policy/2021-11-02T06-47-12Z.md", "2021-10-05", "**_Dernière mise à jour :_** _5 octobre 2021_"},
		{"ota-tiktok/TikTok/Privacy Policy/2023-05-24T18-43-28Z.md", "2023-05-04", "_Last updated: 4th May 2023_"},
		{"ota-tiktok/TikTok/Privacy Policy/2023-10-19T12-42-02Z.md", "2023-11-19", `_Effective Date: \[19 November 2023\]_`},
		{"ota-tiktok/TikTok/Privacy Policy/2024-11-04T18-17-23Z.md", "2024-12-04", "Effective Date: _04 December 2024_"},
		{"ota-tiktok/TikTok/Privacy Policy/2025-10-29T18-24-29Z.md", "2025-11-30", "Last updated: _30 November 2025_"},
		{"ota-more/Discord/Terms of Service/2025-04-16T18-04-25Z.md", "2024-04-15", "#### Effective: April 15, 2024"},
		// Month first, as the page's American English writes it (recorded
		// on 10 November 2022).
		{"ota-more/Twitch/Terms of Service/2022-11-10T06-42-17Z.md", "2022-11-09", "Last modified on 11/09/2022"},
		{"ota-more/Reddit/Privacy Policy/2021-08-16T08-52-18Z.md", "2021-09-12", "Effective September 12, 2021. Last Revised August 12, 2021"},
		// Under a banner announcing the change ("take effect on December
		// 15, 2022"), which is not the document's date line.
		{"ota-more/Reddit/Privacy Policy/2022-11-15T18-39-34Z.md", "2022-12-15", "Effective December 15, 2022. Last Revised November 15, 2022."},
		{"ota-more/LinkedIn/Privacy Policy/2021-10-07T17-30-12Z.md", "2020-08-11", "[_Effective August 11, 2020_](https://www.linkedin.com/help/linkedin/answer/3309/updates-to-user-agreement-and-privacy-policy)"},
		{"ota-more/Pinterest/Terms of Service/2024-04-30T18-41-19Z.md", "2024-03-13", "Effective Date outside EEA, UK, and Switzerland: March 13, 2024"},
		// The first date line: "Effective as of 1 June 2021" closes the page.
		{"ota-more/YouTube/Terms of Service/2021-10-21T14-58-55Z.md", "2021-06-01", "Dated: 1 June 2021"},
		{"ota-more/YouTube/Terms of Service/2024-12-12T06-17-17Z.md", "2022-01-05", "Dated: January 5, 2022"},
		{"ota-more/Twitter/Privacy Policy/2021-07-20T17-22-03Z.md", "2021-08-19", "**Effective:**\u00a0August 19, 2021"},
		{"ota-more/WhatsApp/Privacy Policy/2021-01-01T18-03-01Z.md", "2018-04-24", "Last modified: April 24, 2018 ([archived versions](https://www.whatsapp.com/legal/privacy-policy-eea/revisions))"},
		{"ota-fresh/Facebook (vlopses-us)/Acceptable Use Policy/2000-01-01T00-00-00Z.md", "2022-08-29", "UPDATED AUG 29, 2022"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join(replaytest.TestdataDir(), tc.file))
			if err != nil {
				t.Fatal(err)
			}
			d, line, ok := changes.StatedDate(string(b))
			if !ok || d.String() != tc.date || line != tc.line {
				t.Errorf("StatedDate = %s, %q, %v; want %s, %q", d, line, ok, tc.date, tc.line)
			}
		})
	}
}

// TestStatedDateLines reads single lines: the forms documents write, and
// sentences that speak of a date without dating the document.
func TestStatedDateLines(t *testing.T) {
	for _, tc := range []struct {
		line, date string // "" when the line states no date of the document
	}{
		{"Last updated: March 14, 2024", "2024-03-14"},
		{"Effective Date: 2023-07-01", "2023-07-01"},
		{"Last Updated: 14 March 2024", "2024-03-14"},
		{"Updated December 2022", "2022-12"},
		{"Zuletzt aktualisiert: 14. März 2024", "2024-03-14"},
		{"Stand: 01.02.2024", "2024-02-01"},
		{"Dernière mise à jour : 1er janvier 2024", "2024-01-01"},
		{"Última actualización: 5 de marzo de 2024", "2024-03-05"},
		// Day first, as every language but English writes it.
		{"Dernière mise à jour : 05/03/2024", "2024-03-05"},
		{"Fecha de entrada en vigor: 05/03/2024", "2024-03-05"},
		{"Última atualização: 31/12/2024", "2024-12-31"},
		{"Last modified on 11/09/2022", "2022-11-09"},
		{"Dernière mise à jour : 3 déc. 2024", "2024-12-03"},
		{"Mis à jour le 2 févr. 2024", "2024-02-02"},
		{"_Last updated:_ _4th May 2023_", "2023-05-04"},
		{"Effective: Jan 5, 2024. Last Revised: Jan 5, 2024.", "2024-01-05"},
		// ota-more/Twitter/Privacy Policy/2023-08-23T03-41-34Z.md: an
		// earlier version's end, in a list of versions.
		{"Effective until September 22, 2023", ""},
		// ota-more/Reddit/Privacy Policy/2022-11-15T18-39-34Z.md
		{"We've updated our Privacy Policy. Please take a look before the changes take effect on December 15, 2022.", ""},
		// ota-more/Twitter/Privacy Policy/2021-07-20T17-22-03Z.md
		{"### We have made some updates to our Privacy Policy. The updated Privacy Policy will go into effect on August 19, 2021. The current Privacy Policy is below.", ""},
		// ota-tiktok/TikTok/Terms of Service/2020-07-29T13-32-40Z.md
		{"While we will always have a copy of our current Terms available on the Platform (including the “Last Updated” date), you should print off or save a local copy of the Terms for your records.", ""},
		{"Updated terms apply from the next release.", ""},
		{"Last updated: 31 February 2024", ""},
	} {
		d, _, ok := changes.StatedDate("Terms of Service\n\n" + tc.line + "\n\nThese terms govern your use.\n")
		got := ""
		if ok {
			got = d.String()
		}
		if got != tc.date {
			t.Errorf("StatedDate(%q) = %q, want %q", tc.line, got, tc.date)
		}
	}
}

// TestUnannouncedOnTikTokHistory imports TikTok's real history, as `tracker
// import ota` does, and reads the flags of changes checked by reading both
// texts.
func TestUnannouncedOnTikTokHistory(t *testing.T) {
	ctx := context.Background()
	tax, err := topics.Compile(topics.Defaults(), nil)
	if err != nil {
		t.Fatal(err)
	}
	db := storetest.Open(t)
	if _, err := ota.Import(ctx, db, filepath.Join(replaytest.TestdataDir(), "ota-tiktok"), ota.Options{Taxonomy: tax}); err != nil {
		t.Fatal(err)
	}
	const tos, privacy = "tiktok-terms-of-service", "tiktok-privacy-policy"
	for _, tc := range []struct {
		source   string
		to       int
		detected string // the day the change was recorded, to be sure of the pair
		want     tracker.Announcement
		after    string
		line     string
		why      string
	}{
		{tos, 2, "2020-08-19", tracker.Unannounced, "2020-07", "Last updated: July 2020",
			`"you must promptly notify us" became "you must notify us immediately", and the feedback address a web form`},
		{tos, 3, "2020-09-22", tracker.Unannounced, "2020-07", "Last updated: July 2020",
			"how to complain about content: a report through a web form instead of an e-mail"},
		{tos, 4, "2021-02-15", tracker.Unannounced, "2020-07", "Last updated: July 2020",
			"the UK contracting company's registered office moved (125 Kingsway to One London Wall)"},
		{tos, 12, "2024-11-23", tracker.Unannounced, "2023-08", "Last updated: August 2023",
			"the Irish contracting company's registered office moved (10 Earlsfort Terrace to The Sorting Office)"},
		{tos, 14, "2025-01-17", tracker.Unannounced, "2024-11", "Last updated: November 2024",
			"the same move again, after the November 2024 terms had put the old address back"},
		{tos, 8, "2022-12-15", tracker.Announced, "2022-11", "Last updated: November 2022", "the terms rewritten, dated anew"},
		{tos, 13, "2024-12-27", tracker.Announced, "2024-11", "Last updated: November 2024", "August 2023 became November 2024 with the address"},
		{tos, 5, "2021-03-03", tracker.SameDate, "2020-07", "Last updated: July 2020", "only spacing: nothing to flag"},
		{privacy, 2, "2020-08-19", tracker.Unannounced, "2020-07", "Last updated: July 2020", "privacy requests and the Data Protection Officer: a web form instead of an e-mail address"},
		{privacy, 7, "2021-10-18", tracker.Announced, "2021-10-05", "Last updated: 5 October 2021", "the policy rewritten, dated anew"},
		{privacy, 8, "2021-11-02", tracker.SameDate, "2021-10-05", "Dernière mise à jour : 5 octobre 2021",
			"the same policy served in French: the same date, read in French"},
	} {
		c, err := db.ChangeTo(ctx, tc.source, tc.to)
		if err != nil {
			t.Fatal(err)
		}
		name := fmt.Sprintf("%s v%d→v%d", tc.source, c.FromSeq, c.ToSeq)
		if got := c.DetectedAt.Format("2006-01-02"); got != tc.detected {
			t.Fatalf("%s was recorded %s, want %s: the history's seqs moved", name, got, tc.detected)
		}
		if c.Stated.Announcement != tc.want || c.Stated.After != tc.after || c.Stated.AfterLine != tc.line {
			t.Errorf("%s (%s): stated %+v, want %s under %s (%q)", name, tc.why, c.Stated, tc.want, tc.after, tc.line)
		}
		if got, want := changes.Unannounced(c), tc.want == tracker.Unannounced; got != want {
			t.Errorf("%s (%s): Unannounced = %v", name, tc.why, got)
		}
		if changes.Redated(c) {
			t.Errorf("%s: flagged redated", name)
		}
	}
	// The figures, over both histories.
	for _, id := range []string{tos, privacy} {
		list, err := db.Changes(ctx, store.ChangeFilter{SourceIDs: []string{id}})
		if err != nil {
			t.Fatal(err)
		}
		n := map[tracker.Announcement]int{}
		for _, c := range list {
			n[c.Stated.Announcement]++
		}
		t.Logf("%s: %d changes: %d unannounced, %d redated, %d announced, %d same date, %d undated", id, len(list),
			n[tracker.Unannounced], n[tracker.Redated], n[tracker.Announced], n[tracker.SameDate], n[tracker.Undated])
	}
}

// TestRedatedOnYouTubeHistory: Google's privacy policy recorded on 6 May
// 2024 differs from the one before only by its date ("Effective March 4,
// 2024" became "March 28") and the address of its PDF.
func TestRedatedOnYouTubeHistory(t *testing.T) {
	ctx := context.Background()
	tax, err := topics.Compile(topics.Defaults(), nil)
	if err != nil {
		t.Fatal(err)
	}
	db := storetest.Open(t)
	if _, err := ota.Import(ctx, db, filepath.Join(replaytest.TestdataDir(), "ota-more"),
		ota.Options{Taxonomy: tax, Services: []string{"YouTube"}, Terms: []string{"Privacy Policy"}}); err != nil {
		t.Fatal(err)
	}
	list, err := db.Changes(ctx, store.ChangeFilter{SourceIDs: []string{"youtube-privacy-policy"}})
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, c := range list {
		if c.DetectedAt.Format("2006-01-02") != "2024-05-06" {
			continue
		}
		found = true
		if !changes.Redated(c) || changes.Unannounced(c) || c.Stated.Before != "2024-03-04" || c.Stated.After != "2024-03-28" {
			t.Errorf("change of 2024-05-06: %s, stated %+v; want redated from 2024-03-04 to 2024-03-28", c.Importance, c.Stated)
		}
		want := "redated: the document's “Effective” date moved (2024-03-04 → 2024-03-28), but nothing of substance changed"
		if got := changes.AnnouncementNote(c); got != want {
			t.Errorf("note %q, want %q", got, want)
		}
	}
	if !found {
		t.Fatal("no change recorded on 2024-05-06")
	}
}
