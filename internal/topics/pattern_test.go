package topics

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestPrefilterAgreesWithRegexp checks that the prefiltered search finds
// exactly what a plain scan with the regular expression finds, for the
// built-in patterns and some awkward ones, on all the real test documents.
func TestPrefilterAgreesWithRegexp(t *testing.T) {
	var texts []string
	files, err := filepath.Glob(otaDir + "/*/*.md")
	if err != nil || len(files) == 0 {
		t.Fatalf("no test documents: %v", err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		texts = append(texts, string(b))
	}
	for _, it := range readFeed(t, feedsDir+"/federal-register-documents-2025-08-04.rss") {
		texts = append(texts, it.Title+"\n"+it.Description)
	}
	texts = append(texts, "_content removed", "éremoved content", "CONTENT WAS REMOVED", "ten 13-year-olds; 16 or older")

	srcs := []string{
		`\bcontent\b`, `content`, `(?-i)Privacy`, `\b(we|you)\s+(may\s+)?share`, `-?opt-?out`,
		`\bthe\b`, `[a-z]+ing\b`, `\b1[0-8]\s*or\s+older`, `(terms|policy)\s+of\s+(use|service)`,
	}
	for _, s := range Defaults() {
		srcs = append(srcs, s.Patterns...)
	}
	prefiltered := 0
	for _, src := range srcs {
		p, err := compilePattern(src)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		if p.prefixes != nil {
			prefiltered++
		}
		for _, text := range texts {
			lower := string(asciiLower(nil, text))
			got := p.findAll(text, lower, wordStarts(nil, text), nil)
			var want [][2]int
			for _, loc := range p.re.FindAllStringIndex(text, -1) {
				want = append(want, [2]int{loc[0], loc[1]})
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("pattern %q on %.60q...: prefiltered %v, regexp %v", src, strings.TrimSpace(text), got, want)
				break
			}
		}
	}
	// The point of the prefilter is lost if the built-in patterns fall back.
	if prefiltered < len(srcs)-2 {
		t.Errorf("only %d of %d patterns prefiltered", prefiltered, len(srcs))
	}
}
