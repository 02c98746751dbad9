// Package labelstest reads the hand-labelled development sets of
// testdata/labels for the tests that measure tracker against them.
package labelstest

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"tracker/internal/replaytest"
)

// Rows reads testdata/labels/name: its rows of tab-separated fields after
// the header, comment lines left out. Each row must have fields fields.
func Rows(tb testing.TB, name string, fields int) [][]string {
	tb.Helper()
	f, err := os.Open(filepath.Join(replaytest.TestdataDir(), "labels", name))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var out [][]string
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	header := true
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || line == "" {
			continue
		}
		if header {
			header = false
			continue
		}
		c := strings.Split(line, "\t")
		if len(c) != fields {
			tb.Fatalf("%s: %d fields in %q, want %d", name, len(c), line, fields)
		}
		out = append(out, c)
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return out
}

// Topics reads a comma-separated topics field ("-" for none).
func Topics(field string) []string {
	var out []string
	for _, t := range strings.Split(field, ",") {
		if t = strings.TrimSpace(t); t != "" && t != "-" {
			out = append(out, t)
		}
	}
	return out
}
