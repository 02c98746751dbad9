package links

import (
	"net/url"
	"strings"
)

// CompareURL is the page setting two documents side by side, section by
// section, as they stood at date (YYYY-MM-DD; "" for the latest).
func CompareURL(base, a, b, date string) string {
	q := url.Values{"a": {a}, "b": {b}}
	if date != "" {
		q.Set("at", date)
	}
	// Encode sorts the keys: a, at, b.
	return strings.TrimRight(base, "/") + "/compare?" + q.Encode()
}
