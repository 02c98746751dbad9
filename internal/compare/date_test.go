package compare

import (
	"testing"
	"time"
)

func TestParseDate(t *testing.T) {
	utc := func(s string) time.Time {
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			panic(err)
		}
		return t
	}
	for _, tc := range []struct {
		in    string
		end   bool
		want  time.Time
		error bool
	}{
		{in: "2025-01-31", want: utc("2025-01-31T00:00:00Z")},
		{in: "2025-01-31", end: true, want: utc("2025-01-31T23:59:59.999Z")},
		// As listings print it.
		{in: "2026-11-24 00:26 UTC", end: true, want: utc("2026-11-24T00:26:59.999Z")},
		{in: "2026-11-24 00:26", want: utc("2026-11-24T00:26:00Z")},
		// As JSON prints it: to the second, while versions are stored to
		// the millisecond.
		{in: "2026-11-24T00:26:42Z", end: true, want: utc("2026-11-24T00:26:42.999Z")},
		{in: "2026-11-24T00:26:42Z", want: utc("2026-11-24T00:26:42Z")},
		{in: "2026-11-24T01:26:42+01:00", end: true, want: utc("2026-11-24T00:26:42.999Z")},
		// A fraction is taken as given.
		{in: "2026-11-24T00:26:42.5Z", end: true, want: utc("2026-11-24T00:26:42.5Z")},
		{in: " 2025-01-31 ", want: utc("2025-01-31T00:00:00Z")},
		{in: "31/01/2025", error: true},
		{in: "yesterday", error: true},
	} {
		got, err := ParseDate(tc.in, tc.end)
		if tc.error {
			if err == nil {
				t.Errorf("ParseDate(%q) = %v, want an error", tc.in, got)
			}
			continue
		}
		if err != nil || !got.Equal(tc.want) {
			t.Errorf("ParseDate(%q, end=%v) = %v, %v; want %v", tc.in, tc.end, got, err, tc.want)
		}
	}
}
