package diff

import (
	"strings"
	"time"

	"github.com/sergi/go-diff/diffmatchpatch"
)

type dmpDiff = diffmatchpatch.Diff

// libraryDiff is the library's DiffMainRunes without its clock. DiffMainRunes
// reads the time to turn the timeout into a deadline, and its bisection
// reads it again as it goes; the bisection entered by DiffBisect with a zero
// deadline, and everything it calls, never does. So the top of DiffMainRunes
// (common ends, one text inside the other, half-match) is done here as the
// library does it, and the rest by DiffBisect. The budget, paid before the
// call, bounds the work instead.
func libraryDiff(dmp *diffmatchpatch.DiffMatchPatch, a, b []rune) []dmpDiff {
	eq := func(r []rune) dmpDiff { return dmpDiff{Type: diffmatchpatch.DiffEqual, Text: string(r)} }
	p, s := commonEnds(a, b)
	if p == len(a) && p == len(b) {
		if p == 0 {
			return nil
		}
		return []dmpDiff{eq(a)}
	}
	var diffs []dmpDiff
	if p > 0 {
		diffs = append(diffs, eq(a[:p]))
	}
	diffs = append(diffs, libraryCompute(dmp, a[p:len(a)-s], b[p:len(b)-s])...)
	if s > 0 {
		diffs = append(diffs, eq(a[len(a)-s:]))
	}
	return dmp.DiffCleanupMerge(diffs)
}

// libraryCompute is the library's diffCompute for two texts with no common
// ends, as DiffMainRunes runs it.
func libraryCompute(dmp *diffmatchpatch.DiffMatchPatch, a, b []rune) []dmpDiff {
	del := dmpDiff{Type: diffmatchpatch.DiffDelete, Text: string(a)}
	ins := dmpDiff{Type: diffmatchpatch.DiffInsert, Text: string(b)}
	switch {
	case len(a) == 0:
		return []dmpDiff{ins}
	case len(b) == 0:
		return []dmpDiff{del}
	}
	long, short, op := b, a, diffmatchpatch.DiffInsert
	if len(a) > len(b) {
		long, short, op = a, b, diffmatchpatch.DiffDelete
	}
	// The texts are valid UTF-8 (the encoder gives no surrogate), so the
	// first byte match is the first rune match.
	ls, ss := string(long), string(short)
	if i := strings.Index(ls, ss); i >= 0 {
		return []dmpDiff{{Type: op, Text: ls[:i]}, {Type: diffmatchpatch.DiffEqual, Text: ss}, {Type: op, Text: ls[i+len(ss):]}}
	}
	if len(short) == 1 {
		return []dmpDiff{del, ins}
	}
	if hm := dmp.DiffHalfMatch(del.Text, ins.Text); hm != nil {
		diffs := libraryDiff(dmp, []rune(hm[0]), []rune(hm[2]))
		diffs = append(diffs, dmpDiff{Type: diffmatchpatch.DiffEqual, Text: hm[4]})
		return append(diffs, libraryDiff(dmp, []rune(hm[1]), []rune(hm[3]))...)
	}
	return dmp.DiffBisect(del.Text, ins.Text, time.Time{})
}
