package topics

import (
	"os"
	"testing"
)

// BenchmarkClassifyChange classifies a typical change: four changed
// paragraphs of a real Privacy Policy update, old and new sides, with their
// changed ranges.
func BenchmarkClassifyChange(b *testing.B) {
	tx := mustCompile(b, Defaults(), nil)
	frags := changeFragments(
		benchVersion(b, "Privacy Policy", "2025-09-23T07-42-00Z"),
		benchVersion(b, "Privacy Policy", "2025-10-29T18-24-29Z"))[:8]
	n := 0
	for _, f := range frags {
		n += len(f.Text)
	}
	b.SetBytes(int64(n))
	b.ReportAllocs()
	for b.Loop() {
		tx.ClassifyFragments(frags)
	}
}

// BenchmarkClassifyVersion classifies a whole 54 KB Privacy Policy, as when
// a document is first tracked.
func BenchmarkClassifyVersion(b *testing.B) {
	tx := mustCompile(b, Defaults(), nil)
	data, err := os.ReadFile(otaDir + "/Privacy Policy/2025-10-29T18-24-29Z.md")
	if err != nil {
		b.Fatal(err)
	}
	text := string(data)
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		tx.Classify(text)
	}
}

func BenchmarkCompileDefaults(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Compile(Defaults(), nil); err != nil {
			b.Fatal(err)
		}
	}
}

func benchVersion(b *testing.B, doc, name string) []string {
	b.Helper()
	data, err := os.ReadFile(otaDir + "/" + doc + "/" + name + ".md")
	if err != nil {
		b.Fatal(err)
	}
	return markdownLines(string(data))
}
