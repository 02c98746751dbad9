package feed

import (
	"errors"
	"strings"
	"testing"
)

func TestExtractTextMain(t *testing.T) {
	tests := []struct {
		page         string
		first, last  string   // the first and last lines of the article text
		wantContains []string // lines that must be there
		wantAbsent   []string // page furniture that must not
	}{
		{
			page:  "pages/ftc-press-release.html",
			first: "For Release",
			last:  "The Federal Trade Commission works to promote competition and protect and educate consumers. Learn more about consumer topics at consumer.ftc.gov, or report fraud, scams, and bad business practices at ReportFraud.ftc.gov.",
			wantContains: []string{
				"FTC Finalizes Order Requiring Video App to Delete Data Collected from Children",
				"- establish a system to identify users under 13 and route them to a child-appropriate experience;",
				"NOTE: The Commission issues an administrative complaint when it has “reason to believe” that the law has been or is being violated, and it appears to the Commission that a proceeding is in the public interest.",
			},
			wantAbsent: []string{"official website of the United States government", "Here’s how you know", "Premerger Notification Program", "Press Releases", "Contact Information", "Related Cases", "600 Pennsylvania Avenue", "dataLayer", "Skip to main content"},
		},
		{
			page:  "pages/govuk-news.html",
			first: "Press release",
			last:  "Published 4 August 2025",
			wantContains: []string{
				"CMA secures changes to how online platforms present prices",
				"What the platforms have agreed",
				"- stop using countdown timers that falsely suggest an offer is about to end",
				"People should be able to trust the price they see online. Hidden fees cost consumers millions of pounds every year, and these commitments mean shoppers will see what they really have to pay from the start.",
			},
			wantAbsent: []string{"Cookies on GOV.UK", "essential cookies", "Accept additional cookies", "Services and information", "Consumer protection", "Share this page", "Related content", "Is this page useful?", "Crown copyright"},
		},
		{
			page:       "pages/edpb-news-divs.html",
			first:      "Brussels, 4 August - During its latest plenary, the European Data Protection Board (EDPB) adopted a statement on age assurance, setting out principles that online services should follow when they verify or estimate the age of their users.",
			last:       "The EDPB also adopted guidelines on the interplay between the Digital Services Act and the GDPR, which will be subject to public consultation until 30 September.",
			wantAbsent: []string{"Latest news", "EDPB publishes annual report 2024", "Subscribe to our newsletter", "Next plenary", "Rue Wiertz", "Our Work & Tools", "_paq"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.page, func(t *testing.T) {
			got, err := ExtractText(readTestdata(t, tt.page), "https://www.example.gov/news/1", "")
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(got, "\n")
			if lines[0] != tt.first || lines[len(lines)-1] != tt.last {
				t.Errorf("first line %q\nlast line %q\nfull text:\n%s", lines[0], lines[len(lines)-1], got)
			}
			for _, w := range tt.wantContains {
				found := false
				for _, l := range lines {
					found = found || l == w
				}
				if !found {
					t.Errorf("no line %q in:\n%s", w, got)
				}
			}
			for _, a := range tt.wantAbsent {
				if strings.Contains(got, a) {
					t.Errorf("text keeps page furniture %q:\n%s", a, got)
				}
			}
		})
	}
}

func TestExtractTextSelector(t *testing.T) {
	page := readTestdata(t, "pages/govuk-news.html")
	got, err := ExtractText(page, "https://www.gov.uk/government/news/x", ".govspeak")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(got, "The Competition and Markets Authority (CMA) has today secured undertakings") ||
		!strings.HasSuffix(got, "- Media enquiries should be directed to press@cma.gov.uk or 020 3738 6460.") {
		t.Errorf("selected text:\n%s", got)
	}

	// Several matches are joined in document order.
	got, err = ExtractText(page, "", "h1, .gem-c-lead-paragraph")
	if want := "CMA secures changes to how online platforms present prices\nThree ticketing and travel platforms have agreed to show the full price of their products upfront, after the Competition and Markets Authority raised concerns about drip pricing."; err != nil || got != want {
		t.Errorf("got %q, %v", got, err)
	}

	_, err = ExtractText(page, "https://www.gov.uk/x", "#no-such-block")
	if !errors.Is(err, ErrNoMatch) || !strings.Contains(err.Error(), "#no-such-block") {
		t.Errorf("missing block: err = %v, want ErrNoMatch naming the selector", err)
	}
	_, err = ExtractText(page, "", "p[")
	if err == nil || errors.Is(err, ErrNoMatch) || !strings.Contains(err.Error(), "bad selector") {
		t.Errorf("bad selector: err = %v", err)
	}
	_, err = ExtractText([]byte("<html><body><nav><a href=/>Home</a></nav></body></html>"), "", "")
	if !errors.Is(err, ErrNoText) {
		t.Errorf("page of furniture only: err = %v, want ErrNoText", err)
	}
}
