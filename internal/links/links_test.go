package links

import "testing"

// The pages they lead to are checked by the web package's TestURLBuilders.
func TestURLs(t *testing.T) {
	if got := DiffURL("https://tracker.example.org/", "tiktok-terms-of-service", 8, 9); got != "https://tracker.example.org/sources/tiktok-terms-of-service/diff?from=8&to=9" {
		t.Errorf("DiffURL: %s", got)
	}
	if got := SearchURL("", "personal data & more"); got != "/search?q=personal+data+%26+more" {
		t.Errorf("SearchURL: %s", got)
	}
}
