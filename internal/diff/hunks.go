package diff

// regionBlocks lays out a region's paragraphs in reading order and adds
// their words to the counts: before each edited paragraph, the old
// paragraphs that precede it, then the new ones.
func (c *comparison) regionBlocks(r *region, l *links, res *Result) []Block {
	bs := make([]Block, 0, len(r.removed)+len(r.added))
	ri, ai := 0, 0
	emitOld := func(until int) {
		for ; ri < len(r.removed) && r.removed[ri] != until; ri++ {
			i := r.removed[ri]
			p := c.old[i]
			if k := l.byOld[i]; k != nil && k.moved {
				bs = append(bs, Block{Kind: KindMovedAway, OldLine: p.line, Old: p.text, MovedTo: c.new[k.news[0]].line})
				continue
			}
			res.WordsRemoved += c.wordCount(p)
			bs = append(bs, Block{Kind: KindRemoved, OldLine: p.line, Old: p.text})
		}
	}
	emitNew := func(until int) {
		for ; ai < len(r.added) && r.added[ai] != until; ai++ {
			j := r.added[ai]
			q := c.new[j]
			if k := l.byNew[j]; k != nil && k.moved {
				p := c.old[k.olds[0]]
				c.count(res, k.spans)
				bs = append(bs, Block{
					Kind: KindMoved, NewLine: q.line, Old: p.text, New: q.text,
					Spans: k.spans, MovedFrom: p.line,
				})
				continue
			}
			res.WordsAdded += c.wordCount(q)
			bs = append(bs, Block{Kind: KindAdded, NewLine: q.line, New: q.text})
		}
	}
	for _, i := range r.removed {
		k := l.byOld[i]
		if k == nil || k.moved || k.olds[0] != i {
			continue
		}
		emitOld(i)
		emitNew(k.news[0])
		p, q := c.joined(true, k.olds), c.joined(false, k.news)
		ri += len(k.olds)
		ai += len(k.news)
		if p.text == q.text {
			// Only when the line diff gave up on hostile input can equal
			// paragraphs get here; they are context, not a change.
			bs = append(bs, Block{Kind: KindContext, OldLine: p.line, NewLine: q.line, Old: p.text, New: q.text})
			continue
		}
		c.count(res, k.spans)
		bs = append(bs, Block{
			Kind: KindChanged, OldLine: p.line, NewLine: q.line, Old: p.text, New: q.text,
			Spans: k.spans, Cosmetic: c.sameParagraphWords(p, q),
		})
	}
	emitOld(-1)
	emitNew(-1)
	return bs
}

// count adds the words of inserted and deleted spans to the totals.
func (c *comparison) count(res *Result, spans []Span) {
	for _, s := range spans {
		switch s.Op {
		case OpInsert:
			res.WordsAdded += countWords(s.Text)
		case OpDelete:
			res.WordsRemoved += countWords(s.Text)
		}
	}
}

func (c *comparison) wordCount(p *paragraph) int {
	n := 0
	for _, t := range p.toks() {
		if isWord(t) {
			n++
		}
	}
	return n
}

func (c *comparison) sameParagraphWords(p, q *paragraph) bool {
	return sameWords([]*paragraph{p}, []*paragraph{q})
}

// hunks groups regions with their context. Regions closer than twice the
// context share a hunk, as in a unified diff.
func (c *comparison) hunks(regions []region, context int) []Hunk {
	var hs []Hunk
	var cur *Hunk
	ctxBlock := func(i, j int) Block {
		p, q := c.old[i], c.new[j]
		return Block{Kind: KindContext, OldLine: p.line, NewLine: q.line, Old: p.text, New: q.text}
	}
	oldEnd, newEnd := 0, 0 // just after the previous region
	for k := range regions {
		r := &regions[k]
		gap := r.oldAt - oldEnd
		if cur != nil && gap <= 2*context {
			for n := 0; n < gap; n++ {
				cur.Blocks = append(cur.Blocks, ctxBlock(oldEnd+n, newEnd+n))
			}
		} else {
			if cur != nil {
				for n := 0; n < context; n++ {
					cur.Blocks = append(cur.Blocks, ctxBlock(oldEnd+n, newEnd+n))
				}
				hs = append(hs, *cur)
			}
			lead := min(context, gap)
			cur = &Hunk{
				OldStart: lineAt(c.old, r.oldAt-lead),
				NewStart: lineAt(c.new, r.newAt-lead),
			}
			for n := lead; n > 0; n-- {
				cur.Blocks = append(cur.Blocks, ctxBlock(r.oldAt-n, r.newAt-n))
			}
		}
		cur.Blocks = append(cur.Blocks, r.blocks...)
		oldEnd, newEnd = r.oldAt+len(r.removed), r.newAt+len(r.added)
	}
	for n := 0; n < context && oldEnd+n < len(c.old); n++ {
		cur.Blocks = append(cur.Blocks, ctxBlock(oldEnd+n, newEnd+n))
	}
	return append(hs, *cur)
}

// lineAt returns the line number of paragraph i, or for i past the end the
// line after the last paragraph.
func lineAt(ps []*paragraph, i int) int {
	if i < len(ps) {
		return ps[i].line
	}
	if len(ps) == 0 {
		return 1
	}
	return ps[len(ps)-1].line + 1
}
