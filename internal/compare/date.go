package compare

import (
	"fmt"
	"strings"
	"time"
)

// ParseDate reads a date or an instant as users give them: YYYY-MM-DD, the
// "YYYY-MM-DD HH:MM [UTC]" that listings print, or RFC 3339 (UTC unless it
// carries an offset). As an end (end true: "until", "at"), a time covers
// the whole of its stated precision: "until 2025-01-31" includes the 31st,
// and a first_seen printed to the second, given back as --at, finds the
// version first seen during that second, although tracker stores
// milliseconds.
func ParseDate(s string, end bool) (time.Time, error) {
	s = strings.TrimSpace(s)
	layouts := []struct {
		layout string
		span   time.Duration
	}{
		{"2006-01-02", 24 * time.Hour},
		{"2006-01-02 15:04 MST", time.Minute},
		{"2006-01-02 15:04", time.Minute},
		{"2006-01-02T15:04", time.Minute},
		{time.RFC3339, time.Second},
	}
	for _, l := range layouts {
		t, err := time.Parse(l.layout, s)
		if err != nil {
			continue
		}
		if l.layout == time.RFC3339 && t.Nanosecond() != 0 {
			return t, nil // as precise as given
		}
		if end {
			t = t.Add(l.span - time.Millisecond)
		}
		return t, nil
	}
	return time.Time{}, fmt.Errorf("%q is not a date: write it as YYYY-MM-DD, YYYY-MM-DD HH:MM (UTC) or RFC 3339 (2025-01-31T12:00:00Z)", s)
}
