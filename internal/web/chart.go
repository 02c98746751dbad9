package web

import (
	"fmt"
	"time"

	"tracker"
	"tracker/internal/links"
)

// activity is a bar chart of a document's changes per month, drawn as inline
// SVG on the server: no script, and it prints.
type activity struct {
	Width, Height float64
	Base          float64 // y of the bars' base line
	LabelY        float64 // y of the years' base line
	Bars          []bar
	Years         []label
	Max           int
	Summary       string
}

type bar struct {
	X, W  float64
	Title string
	Segs  []barSeg
	// Link is the diff of the month's latest change.
	Link string
}

type barSeg struct {
	Y, H  float64
	Class string
}

type label struct {
	X    float64
	Text string
}

// Pct is x as a percentage of the chart's width. The labels are drawn
// outside the stretched drawing, in the page's own pixels, so that they
// keep their size and shape on a phone.
func (a *activity) Pct(x float64) float64 { return x / a.Width * 100 }

// BasePct is the bars' base line as a percentage of the chart's height.
func (a *activity) BasePct() float64 { return a.Base / a.Height * 100 }

// yearGap is the least distance between two year labels, in chart units:
// "2024" at 11px takes about 26px, and 64 of 720 units are 35px on a 390px
// phone.
const yearGap = 64.0

const (
	chartW, chartH = 720.0, 130.0
	chartLeft      = 28.0 // room for the scale
	chartBottom    = 18.0 // room for the years
	chartTop       = 6.0
)

// activityChart counts the changes of each month from the first version's
// month to now's, major changes at the bottom of each bar.
func activityChart(list []tracker.Change, first, now time.Time, id string) *activity {
	start := monthOf(first)
	end := monthOf(now)
	for _, c := range list {
		if m := monthOf(c.DetectedAt); m.After(end) {
			end = m
		}
	}
	n := monthsBetween(start, end) + 1
	type month struct {
		counts [3]int // cosmetic, minor, major
		last   tracker.Change
	}
	months := make([]month, n)
	for _, c := range list {
		i := monthsBetween(start, monthOf(c.DetectedAt))
		if i < 0 || i >= n {
			continue
		}
		if r := c.Importance.Rank(); r >= 0 {
			months[i].counts[r]++
		}
		months[i].last = c
	}
	a := &activity{Width: chartW, Height: chartH, Base: chartH - chartBottom, LabelY: chartH - 4, Max: 1}
	for _, m := range months {
		a.Max = max(a.Max, m.counts[0]+m.counts[1]+m.counts[2])
	}
	slot := (chartW - chartLeft) / float64(n)
	scale := (a.Base - chartTop) / float64(a.Max)
	classes := [3]string{"bar-cosmetic", "bar-minor", "bar-major"}
	for i, m := range months {
		t := start.AddDate(0, i, 0)
		x := chartLeft + float64(i)*slot
		if t.Month() == time.January || i == 0 {
			a.Years = append(a.Years, label{X: x, Text: t.Format("2006")})
		}
		total := m.counts[0] + m.counts[1] + m.counts[2]
		if total == 0 {
			continue
		}
		b := bar{X: x + slot*0.1, W: slot * 0.8, Link: links.DiffURL("", id, m.last.FromSeq, m.last.ToSeq),
			Title: fmt.Sprintf("%s: %d major, %d minor, %d cosmetic", t.Format("January 2006"), m.counts[2], m.counts[1], m.counts[0])}
		y := a.Base
		for r := 2; r >= 0; r-- {
			if m.counts[r] == 0 {
				continue
			}
			h := float64(m.counts[r]) * scale
			y -= h
			b.Segs = append(b.Segs, barSeg{Y: y, H: h, Class: classes[r]})
		}
		a.Bars = append(a.Bars, b)
	}
	// Keep year labels from running into each other: the first (a partial
	// year) gives way to the next January, and on long histories only
	// every other year, or every third..., is named.
	if len(a.Years) > 1 && a.Years[1].X-a.Years[0].X < yearGap {
		a.Years = a.Years[1:]
	}
	if len(a.Years) > 1 {
		step, d := 1, a.Years[len(a.Years)-1].X-a.Years[len(a.Years)-2].X // a year
		for d*float64(step) < yearGap {
			step++
		}
		var kept []label
		for i := 0; i < len(a.Years); i += step {
			kept = append(kept, a.Years[i])
		}
		a.Years = kept
	}
	major := 0
	for _, m := range months {
		major += m.counts[2]
	}
	a.Summary = fmt.Sprintf("%d changes from %s to %s, %d of them major; at most %d in a month",
		len(list), start.Format("January 2006"), end.Format("January 2006"), major, a.Max)
	return a
}

func monthOf(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
}

func monthsBetween(a, b time.Time) int {
	return (b.Year()-a.Year())*12 + int(b.Month()) - int(a.Month())
}
