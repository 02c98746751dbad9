package web_test

import (
	"strings"
	"testing"
)

// A misspelt topic is refused with the known ids, on the pages and in the
// API alike: accepted, it would silently empty the listing.
func TestUnknownTopicIsRefused(t *testing.T) {
	for _, path := range []string{
		"/api/changes?topic=privacyy",
		"/api/items?topic=privacyy",
		"/items?topic=privacyy",
		"/search?q=data&topic=privacyy",
	} {
		resp, body := get(t, shared.h, path)
		if resp.StatusCode != 400 || !strings.Contains(body, "privacyy") || !strings.Contains(body, "is not a topic") ||
			!strings.Contains(body, "privacy, consumer") {
			t.Errorf("%s: %d %s; want 400 naming the known topics", path, resp.StatusCode, body)
		}
	}
	for _, path := range []string{"/api/changes?topic=privacy", "/api/items?topic=privacy", "/items?topic=privacy"} {
		if resp, body := get(t, shared.h, path); resp.StatusCode != 200 {
			t.Errorf("%s: %d %s", path, resp.StatusCode, body)
		}
	}
}
