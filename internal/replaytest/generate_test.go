package replaytest

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// The generated dataset is the same for the same arguments, with as many
// versions as asked, each a few edits from the one before.
func TestGenerateIsRepeatable(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	for _, dir := range []string{a, b} {
		if err := Generate(dir, 4, 3); err != nil {
			t.Fatal(err)
		}
	}
	files, err := filepath.Glob(filepath.Join(a, "*", "Terms of Service", "*.md"))
	if err != nil || len(files) != 12 {
		t.Fatalf("%d files (%v), want 4 documents of 3 versions", len(files), err)
	}
	for _, f := range files {
		rel, _ := filepath.Rel(a, f)
		x, _ := os.ReadFile(f)
		y, err := os.ReadFile(filepath.Join(b, rel))
		if err != nil || !bytes.Equal(x, y) {
			t.Errorf("%s differs between two runs (%v)", rel, err)
		}
	}
	v1, _ := os.ReadFile(files[0])
	v2, _ := os.ReadFile(files[1])
	if bytes.Equal(v1, v2) || len(v1) < 1000 {
		t.Errorf("consecutive versions: %d and %d bytes, equal %v; want a real text edited", len(v1), len(v2), bytes.Equal(v1, v2))
	}
}
