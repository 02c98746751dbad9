package diff

import (
	"fmt"
	"strings"
)

// Text renders an alignment for a terminal or a plain-text file: what
// differs section by section, A's sections in order, with the sections
// that say the same in both folded into a count. a and b name the two
// documents.
func (al *Alignment) Text(style TextStyle, a, b string) string {
	var w strings.Builder
	fmt.Fprintf(&w, "%s.\n", al.Summary(a, b))
	for _, p := range al.Sections {
		switch p.Kind {
		case SectionSame:
			if p.Renumbered || p.Moved {
				fmt.Fprintf(&w, "\n= %s — the same in both%s\n", pairName(p), pairNote(p))
			}
		case SectionChanged:
			fmt.Fprintf(&w, "\n%s\n", paint(style, ansiHeader, fmt.Sprintf("~ %s — differs (%s)%s", pairName(p), words(p.Diff), pairNote(p))))
			w.WriteString(p.Diff.Text(style))
		case SectionOnlyA:
			fmt.Fprintf(&w, "\n%s\n", paint(style, ansiRemoved, fmt.Sprintf("- %s — only in %s (line %d, %s)", p.A.Name(), a, p.A.Line, plural(p.A.Words, "word", "words"))))
			writeSectionText(&w, p.A.Text, "- ")
		case SectionOnlyB:
			fmt.Fprintf(&w, "\n%s\n", paint(style, ansiAdded, fmt.Sprintf("+ %s — only in %s (line %d, %s)", p.B.Name(), b, p.B.Line, plural(p.B.Words, "word", "words"))))
			writeSectionText(&w, p.B.Text, "+ ")
		}
	}
	return w.String()
}

// Summary counts what an alignment found: "12 sections say the same, 2
// differ, 1 only in A, none only in B".
func (al *Alignment) Summary(a, b string) string {
	same := plural(al.Same, "section says the same", "sections say the same")
	if al.Same == 0 {
		same = "no section says the same"
	}
	differ := fmt.Sprintf("%d differ", al.Changed)
	if al.Changed == 1 {
		differ = "1 differs"
	}
	return fmt.Sprintf("%s in both, %s, %d only in %s, %d only in %s", same, differ, al.OnlyA, a, al.OnlyB, b)
}

func pairName(p SectionPair) string {
	if p.A.Name() == p.B.Name() || !p.Renumbered && p.A.Title == p.B.Title {
		return p.A.Name()
	}
	return p.A.Name() + " ↔ " + p.B.Name()
}

func pairNote(p SectionPair) string {
	var n []string
	if p.Renumbered {
		n = append(n, fmt.Sprintf("renumbered %s → %s", orNone(p.A.Number), orNone(p.B.Number)))
	}
	if p.Moved {
		n = append(n, "in another place")
	}
	if len(n) == 0 {
		return ""
	}
	return "; " + strings.Join(n, ", ")
}

func orNone(n string) string {
	if n == "" {
		return "no number"
	}
	return n
}

func words(r *Result) string {
	if r.Cosmetic {
		return "punctuation, case or spacing only"
	}
	return fmt.Sprintf("+%d −%d words", r.WordsAdded, r.WordsRemoved)
}

func writeSectionText(w *strings.Builder, s, prefix string) {
	for _, l := range strings.Split(s, "\n") {
		w.WriteString(prefix + Visible(l) + "\n")
	}
}
