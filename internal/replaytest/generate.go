package replaytest

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Generate writes a synthetic Open Terms Archive dataset into dir: docs
// documents of n versions each, six hours apart from 2020, each a few
// edits (a word changed, a sentence added, a line dropped) away from the
// one before, starting from the latest texts of TikTok's real documents.
// The same arguments write the same files.
func Generate(dir string, docs, n int) error {
	seeds, err := Load(OTADir())
	if err != nil {
		return err
	}
	var bases [][]string
	for _, name := range []string{"Copyright Claims Policy", "Privacy Policy", "Terms of Service"} {
		vs := seeds[name]
		if len(vs) == 0 {
			return fmt.Errorf("replaytest: no %q in %s", name, OTADir())
		}
		bases = append(bases, strings.Split(string(vs[len(vs)-1].Markdown), "\n"))
	}
	rnd := rand.New(rand.NewPCG(1, 2))
	words := strings.Fields("personal data refund subscription licence copyright minors appeal content advertising partners location")
	start := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	for d := range docs {
		lines := append([]string(nil), bases[d%len(bases)]...)
		docDir := filepath.Join(dir, fmt.Sprintf("Service %02d", d), "Terms of Service")
		if err := os.MkdirAll(docDir, 0o755); err != nil {
			return err
		}
		for v := range n {
			for range 1 + rnd.IntN(3) {
				i := rnd.IntN(len(lines))
				switch rnd.IntN(3) {
				case 0: // edit a word
					f := strings.Fields(lines[i])
					if len(f) > 0 {
						f[rnd.IntN(len(f))] = words[rnd.IntN(len(words))]
						lines[i] = strings.Join(f, " ")
					}
				case 1: // add a sentence
					lines = append(lines[:i], append([]string{"", "We may update this clause about " + words[rnd.IntN(len(words))] + " at any time.", ""}, lines[i:]...)...)
				case 2: // drop a line
					lines = append(lines[:i], lines[i+1:]...)
				}
			}
			at := start.Add(time.Duration(v) * 6 * time.Hour)
			name := filepath.Join(docDir, at.Format("2006-01-02T15-04-05Z")+".md")
			if err := os.WriteFile(name, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
				return err
			}
		}
	}
	return nil
}
