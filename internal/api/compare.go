package api

import (
	"tracker/internal/compare"
	"tracker/internal/diff"
)

// Compare is two documents side by side, section by section: what
// `tracker compare --json` prints and /api/compare answers.
type Compare struct {
	A Version `json:"a"`
	B Version `json:"b"`
	// At is the date asked for; null for the latest versions.
	At *string `json:"at"`
	// Same counts the sections that say the same in both (renumbered or
	// not), Changed those in both that differ, OnlyA and OnlyB those found
	// in one document only.
	Same     int               `json:"same"`
	Changed  int               `json:"changed"`
	OnlyA    int               `json:"only_a"`
	OnlyB    int               `json:"only_b"`
	Sections []ComparedSection `json:"sections"`
}

// ComparedSection is one section of A with its counterpart in B, or alone.
type ComparedSection struct {
	// Kind is same, changed, only_a or only_b.
	Kind       string        `json:"kind"`
	A          *diff.Section `json:"a"`
	B          *diff.Section `json:"b"`
	Renumbered bool          `json:"renumbered"`
	Moved      bool          `json:"moved"`
	// Similarity (0–1) is how alike the headings and words of the pair
	// are: what matched them.
	Similarity float64 `json:"similarity"`
	// Text is the section of an only_a or only_b entry.
	Text string `json:"text,omitempty"`
	// WordsAdded and WordsRemoved count the words of B's section not in
	// A's and the reverse; Hunks is the diff of a changed pair, as in
	// `tracker diff --json`.
	WordsAdded   int         `json:"words_added"`
	WordsRemoved int         `json:"words_removed"`
	Hunks        []diff.Hunk `json:"hunks,omitempty"`
}

// NewCompare describes a comparison of two variants.
func NewCompare(v compare.Variants) Compare {
	out := Compare{A: NewVersion(v.A), B: NewVersion(v.B), Sections: []ComparedSection{}}
	if v.At != "" {
		at := v.At
		out.At = &at
	}
	al := v.Alignment
	out.Same, out.Changed, out.OnlyA, out.OnlyB = al.Same, al.Changed, al.OnlyA, al.OnlyB
	for _, p := range al.Sections {
		s := ComparedSection{Kind: p.Kind, A: p.A, B: p.B, Renumbered: p.Renumbered, Moved: p.Moved, Similarity: p.Similarity}
		switch {
		case p.Diff != nil:
			s.Hunks, s.WordsAdded, s.WordsRemoved = p.Diff.Hunks, p.Diff.WordsAdded, p.Diff.WordsRemoved
		case p.Kind == diff.SectionOnlyA:
			s.Text, s.WordsRemoved = p.A.Text, p.A.Words
		case p.Kind == diff.SectionOnlyB:
			s.Text, s.WordsAdded = p.B.Text, p.B.Words
		}
		out.Sections = append(out.Sections, s)
	}
	return out
}
