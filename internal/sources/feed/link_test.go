package feed

import "testing"

func TestCleanLink(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"utm removed", "https://www.ftc.gov/news/pr?utm_source=govdelivery&utm_medium=email", "https://www.ftc.gov/news/pr"},
		{"utm in any case", "https://x.gov/a?UTM_Source=rss&id=7", "https://x.gov/a?id=7"},
		{"mail and ad click ids", "https://x.gov/a?mkt_tok=abc&fbclid=IwAR&gclid=Cj0&mc_cid=1&mc_eid=2&_hsenc=p2&_hsmi=9&ttclid=t&xtor=RSS-1", "https://x.gov/a"},
		{"other params kept, sorted", "https://x.gov/search?q=privacy&page=2&lang=en", "https://x.gov/search?lang=en&page=2&q=privacy"},
		{"repeated params keep their order", "https://x.gov/a?topic=b&topic=a&utm_campaign=x", "https://x.gov/a?topic=b&topic=a"},
		{"encoding kept byte for byte", "https://x.gov/a?q=data%20protection&utm_source=x&f=a+b", "https://x.gov/a?f=a+b&q=data%20protection"},
		{"flag without value kept", "https://x.gov/doc?print&utm_medium=rss", "https://x.gov/doc?print"},
		{"anchor kept", "https://x.gov/rules?utm_source=rss#section-4", "https://x.gov/rules#section-4"},
		{"tracking fragment dropped", "https://x.gov/news/item#utm_source=feed&utm_medium=rss", "https://x.gov/news/item"},
		{"xtor fragment dropped", "https://www.cnil.fr/fr/actu#xtor=RSS-3", "https://www.cnil.fr/fr/actu"},
		{"AddThis fragment dropped", "https://x.gov/news/item#.VxYz12abCd", "https://x.gov/news/item"},
		{"mixed fragment keeps its anchor part", "https://x.gov/a#page=3&utm_source=x", "https://x.gov/a#page=3"},
		{"empty fragment and query dropped", "https://x.gov/a?#", "https://x.gov/a"},
		{"host and scheme lower-cased, default port dropped", "HTTPS://WWW.Example.GOV:443/Path/Case", "https://www.example.gov/Path/Case"},
		{"other port kept", "http://x.gov:8080/a", "http://x.gov:8080/a"},
		{"trailing slash kept", "https://x.gov/a/", "https://x.gov/a/"},
		{"white space trimmed", "  https://x.gov/a?utm_source=x \n", "https://x.gov/a"},
		{"not http left alone", "mailto:press@x.gov?subject=hi&utm_source=x", "mailto:press@x.gov?subject=hi&utm_source=x"},
		{"relative left alone", "/news/a?utm_source=x", "/news/a?utm_source=x"},
		{"urn left alone", "urn:tag:sec.gov,2008:accession-number=0001213900-25-006497", "urn:tag:sec.gov,2008:accession-number=0001213900-25-006497"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := CleanLink(tt.in)
			if got != tt.want {
				t.Errorf("CleanLink(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if again := CleanLink(got); again != got {
				t.Errorf("not idempotent: %q then %q", got, again)
			}
		})
	}
}
