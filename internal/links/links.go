// Package links builds the addresses of the web interface's pages. The
// scheme is stable: digests and people's notes link to it, the web package
// serves it. base is where the interface is served
// ("https://tracker.example.com", or "" for paths relative to the host).
package links

import (
	"fmt"
	"net/url"
	"strings"
)

// SourceURL is a document's page: its timeline.
func SourceURL(base, id string) string {
	return strings.TrimRight(base, "/") + "/sources/" + url.PathEscape(id)
}

// VersionURL is the permalink of a version.
func VersionURL(base, id string, seq int) string {
	return fmt.Sprintf("%s/versions/%d", SourceURL(base, id), seq)
}

// DiffURL is the page comparing two versions of a document.
func DiffURL(base, id string, from, to int) string {
	return fmt.Sprintf("%s/diff?from=%d&to=%d", SourceURL(base, id), from, to)
}

// AtURL leads to the version in force on a date (YYYY-MM-DD).
func AtURL(base, id, date string) string {
	return SourceURL(base, id) + "/at/" + url.PathEscape(date)
}

// SearchURL is the search page for a phrase.
func SearchURL(base, q string) string {
	return strings.TrimRight(base, "/") + "/search?" + url.Values{"q": {q}}.Encode()
}
