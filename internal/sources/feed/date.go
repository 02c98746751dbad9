package feed

import (
	"time"
)

// dateOnlyLayouts are dates written without a time. They are kept as
// calendar dates: giving them a time and a zone would move some of them to
// the previous day for a reader west of that zone.
var dateOnlyLayouts = []string{
	"2006-01-02",
	"2006/01/02",
	"02.01.2006",
	"2 Jan 2006",
	"2 January 2006",
	"Mon, 2 Jan 2006",
	"Mon, 2 January 2006",
	"Mon 2 Jan 2006",
	"Monday, 2 January 2006",
	"Monday 2 January 2006",
	"Jan 2, 2006",
	"January 2, 2006",
	"Mon, Jan 2, 2006",
	"Monday, January 2, 2006",
}

// zonedLayouts carry a numeric offset, so their clock is the publisher's.
var zonedLayouts = []string{
	time.RFC3339Nano,
	"Mon, 2 Jan 2006 15:04:05 -0700",
	"Mon, 2 Jan 2006 15:04 -0700",
	"2 Jan 2006 15:04:05 -0700",
	"2006-01-02T15:04:05-0700",
	"2006-01-02T15:04Z07:00",
	"2006-01-02 15:04:05 -0700",
	"2006-01-02 15:04:05Z07:00",
	"Mon, 2 Jan 06 15:04:05 -0700",
}

// namedLayouts end in a zone abbreviation; time.Parse gives an unknown one
// a zero offset, so only the abbreviations in namedZones are trusted.
var namedLayouts = []string{
	"Mon, 2 Jan 2006 15:04:05 MST",
	"Mon, 2 Jan 2006 15:04 MST",
	"2 Jan 2006 15:04:05 MST",
	"Mon, 2 Jan 06 15:04:05 MST",
}

var namedZones = map[string]int{
	"GMT": 0, "UTC": 0, "UT": 0, "Z": 0,
	"EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7, "MDT": -6,
	"PST": -8, "PDT": -7, "BST": 1, "CET": 1, "CEST": 2,
}

// naiveLayouts have no zone at all; they are read as UTC, the only choice
// that does not depend on the machine running the tracker.
var naiveLayouts = []string{
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04",
	"2006-01-02 15:04",
	"Mon, 2 Jan 2006 15:04:05",
	"Mon, 2 Jan 2006 15:04",
	"2 Jan 2006 15:04:05",
	"January 2, 2006 15:04",
	"January 2, 2006 3:04 PM",
}

// parseDate reads a feed date. parsed is gofeed's reading of the same
// string, used for forms this package does not know. A time of exactly
// 00:00:00 in the feed's own zone is how many publishers serialise a bare
// date, so it is kept as that date.
func parseDate(raw string, parsed *time.Time) (t time.Time, dateOnly, ok bool) {
	if raw != "" {
		for _, l := range dateOnlyLayouts {
			if d, err := time.Parse(l, raw); err == nil {
				return d, true, true
			}
		}
		for _, l := range zonedLayouts {
			if d, err := time.Parse(l, raw); err == nil {
				return fromClock(d)
			}
		}
		for _, l := range namedLayouts {
			d, err := time.Parse(l, raw)
			if err != nil {
				continue
			}
			name, _ := d.Zone()
			if off, known := namedZones[name]; known {
				d = time.Date(d.Year(), d.Month(), d.Day(), d.Hour(), d.Minute(), d.Second(), d.Nanosecond(), time.FixedZone(name, off*3600))
				return fromClock(d)
			}
			break
		}
	}
	if parsed != nil && !parsed.IsZero() {
		return parsed.UTC(), false, true
	}
	for _, l := range naiveLayouts {
		if d, err := time.Parse(l, raw); err == nil {
			return d, false, true
		}
	}
	return time.Time{}, false, false
}

func fromClock(d time.Time) (time.Time, bool, bool) {
	if d.Hour() == 0 && d.Minute() == 0 && d.Second() == 0 && d.Nanosecond() == 0 {
		return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, time.UTC), true, true
	}
	return d.UTC(), false, true
}

// inferDateOnly marks items date-only when every timed item of the feed
// shows the same clock time (whole quarter hour, zero seconds) on at least
// two different days among at least three items. A real publication time
// does not repeat like that; a placeholder for "the date" does. The date
// is taken in the zone where that clock reads midnight (04:00 UTC is
// midnight at UTC-4, Washington in summer), choosing offsets from -12:00
// to +11:45. It reports whether it changed anything.
func inferDateOnly(items []Entry) bool {
	var timed []int
	for i, it := range items {
		if it.HasDate && !it.DateOnly {
			timed = append(timed, i)
		}
	}
	if len(timed) < 3 {
		return false
	}
	first := items[timed[0]].Published.UTC()
	h, m, s := first.Clock()
	if s != 0 || m%15 != 0 || first.Nanosecond() != 0 {
		return false
	}
	days := map[string]bool{}
	for _, i := range timed {
		t := items[i].Published.UTC()
		th, tm, ts := t.Clock()
		if th != h || tm != m || ts != s || t.Nanosecond() != 0 {
			return false
		}
		days[t.Format(time.DateOnly)] = true
	}
	if len(days) < 2 {
		return false
	}
	minutes := h*60 + m
	offset := -minutes // midnight west of Greenwich
	if minutes > 12*60 {
		offset = 24*60 - minutes // midnight east of it
	}
	zone := time.FixedZone("", offset*60)
	for _, i := range timed {
		local := items[i].Published.In(zone)
		items[i].Published = time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, time.UTC)
		items[i].DateOnly = true
	}
	return true
}
