package topics

import (
	"fmt"
	"regexp"
	"regexp/syntax"
	"slices"
	"strings"
)

// pattern is a compiled regular expression with a prefilter.
//
// Go's regexp engine walks every byte with an automaton, which for a few
// case-insensitive patterns with alternations costs tens of milliseconds on
// a 50 KB document. Most patterns start with one of a few literal words, so
// we look for those with strings.Index (fast) and run the automaton only
// where one occurs, anchored there.
type pattern struct {
	src string
	// re is the pattern as configured, case-insensitive.
	re *regexp.Regexp
	// anchored matches only at the start of its input.
	anchored *regexp.Regexp
	// prefixes holds lowercase ASCII literals one of which starts every
	// match; nil when none could be found, and then re scans everything.
	prefixes []string
	// wordStart is set when the pattern begins with \b: then matches can
	// only start where a word starts, and first filters those by their
	// first byte before prefixes are compared.
	wordStart bool
	first     [256]bool
}

func compilePattern(src string) (*pattern, error) {
	re, err := regexp.Compile("(?i)" + src)
	if err != nil {
		return nil, err
	}
	tree, err := syntax.Parse("(?i)"+src, syntax.Perl)
	if err != nil {
		return nil, err // unreachable: regexp.Compile parsed it
	}
	tree = tree.Simplify()
	if minLen(tree) == 0 {
		return nil, fmt.Errorf("can match empty text, so it would match everywhere")
	}
	p := &pattern{src: src, re: re}
	set, _, wordStart := literals(tree, true)
	if len(set) == 0 || len(set) > maxPrefixes || slices.ContainsFunc(set, func(s string) bool { return len(s) < minPrefix }) {
		return p, nil
	}
	if wordStart && slices.ContainsFunc(set, func(s string) bool { return !isWordByte(s[0]) }) {
		return p, nil // \b before a non-word character: leave it to re
	}
	p.anchored = regexp.MustCompile(`\A(?i:` + src + `)`)
	slices.Sort(set)
	p.prefixes = slices.Compact(set)
	p.wordStart = wordStart
	for _, s := range p.prefixes {
		p.first[s[0]] = true
	}
	return p, nil
}

// Prefixes shorter than minPrefix occur too often to be worth it; more than
// maxPrefixes cost more searches than they save.
const (
	minPrefix   = 2
	maxPrefixes = 32
)

// literals returns strings one of which begins every match of re (nil when
// it cannot tell), whether they are exactly what re matches (so a
// concatenation may extend them), and, when first is set, whether re
// begins with \b.
func literals(re *syntax.Regexp, first bool) (set []string, exact, wordStart bool) {
	switch re.Op {
	case syntax.OpLiteral:
		s := strings.ToLower(string(re.Rune))
		if !isASCII(s) {
			return nil, false, false
		}
		return []string{s}, true, false
	case syntax.OpCharClass:
		// Small classes such as [-\s] or those case folding makes.
		var out []string
		for i := 0; i+1 < len(re.Rune); i += 2 {
			for r := re.Rune[i]; r <= re.Rune[i+1]; r++ {
				if r >= 0x80 || len(out) >= 10 {
					return nil, false, false
				}
				out = append(out, strings.ToLower(string(r)))
			}
		}
		slices.Sort(out)
		return slices.Compact(out), true, false
	case syntax.OpCapture:
		return literals(re.Sub[0], first)
	case syntax.OpPlus:
		set, _, ws := literals(re.Sub[0], first)
		return set, false, ws
	case syntax.OpRepeat:
		if re.Min < 1 {
			return nil, false, false
		}
		set, _, ws := literals(re.Sub[0], first)
		return set, false, ws
	case syntax.OpAlternate:
		exact = true
		for _, sub := range re.Sub {
			s, e, ws := literals(sub, first)
			if s == nil || ws != wordStart && len(set) > 0 {
				return nil, false, false
			}
			set, exact, wordStart = append(set, s...), exact && e, ws
		}
		return set, exact, wordStart
	case syntax.OpConcat:
		set, exact = []string{""}, true
		for i, sub := range re.Sub {
			if sub.Op == syntax.OpWordBoundary && i == 0 && first {
				wordStart = true
				continue
			}
			s, e, _ := literals(sub, false)
			if s == nil {
				exact = false
				break
			}
			var next []string
			for _, a := range set {
				for _, b := range s {
					next = append(next, a+b)
				}
			}
			if len(next) > maxPrefixes {
				exact = false
				break
			}
			set, exact = next, e
			if !e {
				break
			}
		}
		if len(set) == 1 && set[0] == "" {
			return nil, false, false
		}
		return set, exact, wordStart
	}
	return nil, false, false
}

// minLen returns the length in runes of the shortest text re matches.
func minLen(re *syntax.Regexp) int {
	switch re.Op {
	case syntax.OpLiteral:
		return len(re.Rune)
	case syntax.OpCharClass, syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		return 1
	case syntax.OpCapture, syntax.OpPlus:
		return minLen(re.Sub[0])
	case syntax.OpRepeat:
		return re.Min * minLen(re.Sub[0])
	case syntax.OpConcat:
		n := 0
		for _, sub := range re.Sub {
			n += minLen(sub)
		}
		return n
	case syntax.OpAlternate:
		n := -1
		for _, sub := range re.Sub {
			if m := minLen(sub); n < 0 || m < n {
				n = m
			}
		}
		return max(n, 0)
	}
	return 0 // empty-width assertions, stars, optional parts
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// findAll returns the start and end of every non-overlapping match in
// text, like regexp's FindAllStringIndex. lower is text with ASCII letters
// lowercased (same length); wordStarts lists where words start in it, in
// regexp's (ASCII) sense of \b.
func (p *pattern) findAll(text, lower string, wordStarts []int32, dst [][2]int) [][2]int {
	if p.prefixes == nil {
		for _, loc := range p.re.FindAllStringIndex(text, -1) {
			dst = append(dst, [2]int{loc[0], loc[1]})
		}
		return dst
	}
	var starts []int
	if p.wordStart {
		for _, s := range wordStarts {
			if p.first[lower[s]] && p.hasPrefix(lower[s:]) {
				starts = append(starts, int(s))
			}
		}
	} else {
		for _, lit := range p.prefixes {
			for i := 0; ; {
				j := strings.Index(lower[i:], lit)
				if j < 0 {
					break
				}
				starts = append(starts, i+j)
				i += j + 1
			}
		}
		slices.Sort(starts)
		starts = slices.Compact(starts)
	}
	end := -1
	for _, s := range starts {
		if s < end {
			continue // inside the previous match
		}
		loc := p.anchored.FindStringIndex(text[s:])
		if loc == nil || loc[1] == 0 {
			continue
		}
		end = s + loc[1]
		dst = append(dst, [2]int{s, end})
	}
	return dst
}

func (p *pattern) hasPrefix(s string) bool {
	for _, lit := range p.prefixes {
		if strings.HasPrefix(s, lit) {
			return true
		}
	}
	return false
}

// wordStarts appends the offsets where \b followed by a word character
// holds in s.
func wordStarts(dst []int32, s string) []int32 {
	prev := false
	for i := 0; i < len(s); i++ {
		w := isWordByte(s[i])
		if w && !prev {
			dst = append(dst, int32(i))
		}
		prev = w
	}
	return dst
}

// isWordByte is regexp's notion of a word character for \b (ASCII only).
func isWordByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_'
}

// asciiLower appends s with ASCII letters lowercased, keeping byte offsets.
func asciiLower(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst
}
