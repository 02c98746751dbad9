package diff

// Reversed returns the change from r's new version back to its old one, as
// the mirror of r: what r adds is removed, what it moves goes back, and
// the counts are r's, swapped. Compare is not symmetric (the word diff
// breaks ties by the side it starts from), so a reader comparing two
// versions the other way round gets the mirror of the forward comparison
// rather than a second one that may count a word or two differently.
func (r *Result) Reversed() *Result {
	rev := &Result{
		Hunks:        make([]Hunk, len(r.Hunks)),
		WordsAdded:   r.WordsRemoved,
		WordsRemoved: r.WordsAdded,
		Cosmetic:     r.Cosmetic,
		Approximate:  r.Approximate,
	}
	// A paragraph moved forward is moved back: its old place becomes its
	// new one, with the edits made on the way undone.
	movedTo := map[int]Block{} // forward moved blocks by the line they came from
	for _, h := range r.Hunks {
		for _, b := range h.Blocks {
			if b.Kind == KindMoved {
				movedTo[b.MovedFrom] = b
			}
		}
	}
	for k, h := range r.Hunks {
		bs := make([]Block, 0, len(h.Blocks))
		for _, b := range h.Blocks {
			switch b.Kind {
			case KindMoved:
				bs = append(bs, Block{Kind: KindMovedAway, OldLine: b.NewLine, Old: b.New, MovedTo: b.MovedFrom})
			case KindMovedAway:
				m := movedTo[b.OldLine]
				bs = append(bs, Block{Kind: KindMoved, NewLine: b.OldLine, Old: m.New, New: b.Old,
					Spans: reverseSpans(m.Spans), MovedFrom: m.NewLine})
			default:
				bs = append(bs, Block{Kind: mirrorKind[b.Kind], OldLine: b.NewLine, NewLine: b.OldLine, Old: b.New, New: b.Old,
					Spans: reverseSpans(b.Spans), Cosmetic: b.Cosmetic})
			}
		}
		rev.Hunks[k] = Hunk{OldStart: h.NewStart, NewStart: h.OldStart, Blocks: oldSideFirst(bs)}
	}
	return rev
}

var mirrorKind = map[string]string{
	KindContext: KindContext, KindChanged: KindChanged,
	KindAdded: KindRemoved, KindRemoved: KindAdded,
}

// hasOldSide reports whether a block stands for a paragraph of the old
// version only.
func hasOldSide(b Block) bool { return b.Kind == KindRemoved || b.Kind == KindMovedAway }

// oldSideFirst lays out each run of paragraphs found on one side only as
// Compare does (see regionBlocks): the old ones, then the new ones.
func oldSideFirst(bs []Block) []Block {
	for i := 0; i < len(bs); {
		j := i
		for j < len(bs) && (hasOldSide(bs[j]) || bs[j].Kind == KindAdded || bs[j].Kind == KindMoved) {
			j++
		}
		if j == i {
			i++
			continue
		}
		stablePartition(bs[i:j], hasOldSide)
		i = j
	}
	return bs
}

// reverseSpans undoes a word-level diff: insertions become deletions and
// the other way round, each edit deleting before it inserts, as the word
// diff writes them.
func reverseSpans(spans []Span) []Span {
	if spans == nil {
		return nil
	}
	out := make([]Span, len(spans))
	for i, s := range spans {
		switch s.Op {
		case OpInsert:
			s.Op = OpDelete
		case OpDelete:
			s.Op = OpInsert
		}
		out[i] = s
	}
	for i := 0; i < len(out); {
		j := i
		for j < len(out) && out[j].Op != OpEqual {
			j++
		}
		if j == i {
			i++
			continue
		}
		stablePartition(out[i:j], func(s Span) bool { return s.Op == OpDelete })
		i = j
	}
	return out
}

// stablePartition moves the elements for which first holds before the
// others, keeping the order within each group.
func stablePartition[T any](xs []T, first func(T) bool) {
	var a, b []T
	for _, x := range xs {
		if first(x) {
			a = append(a, x)
		} else {
			b = append(b, x)
		}
	}
	copy(xs, append(a, b...))
}
