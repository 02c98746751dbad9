package diff

import (
	"testing"
)

// Run with: go test ./internal/diff -run '^$' -bench . -benchmem
//
// Targets: two consecutive real Privacy Policy versions < 5 ms, two unrelated
// 100 KB texts < 100 ms, two unrelated 1 MB texts < 500 ms.

func benchmarkCompare(b *testing.B, old, new string) {
	b.SetBytes(int64(len(old) + len(new)))
	b.ReportAllocs()
	for b.Loop() {
		Compare(old, new, Options{})
	}
}

// The Privacy Policy of September 2025 against October 2025: 16 edited
// paragraphs, a merge, a move, 140 words changed, about 50 KB each.
func BenchmarkConsecutivePrivacyPolicy(b *testing.B) {
	benchmarkCompare(b, readVersion(b, pp+"2025-09-23T07-42-00Z"), readVersion(b, pp+"2025-10-29T18-24-29Z"))
}

// The flip-flop: one paragraph of the Privacy Policy removed.
func BenchmarkConsecutivePrivacyPolicyOneParagraph(b *testing.B) {
	benchmarkCompare(b, readVersion(b, pp+"2026-05-20T00-55-55Z"), readVersion(b, pp+"2026-05-20T12-57-53Z"))
}

func BenchmarkRewritePrivacyPolicy2020vs2023(b *testing.B) {
	benchmarkCompare(b, readVersion(b, pp+"2020-12-14T11-17-04Z"), readVersion(b, pp+"2023-05-24T18-43-28Z"))
}

func BenchmarkUnrelated100KB(b *testing.B) {
	benchmarkCompare(b, randomText(1, 100<<10, 100, 50000), randomText(2, 100<<10, 100, 50000))
}

func BenchmarkUnrelated1MB(b *testing.B) {
	benchmarkCompare(b, randomText(1, 1<<20, 100, 50000), randomText(2, 1<<20, 100, 50000))
}

func BenchmarkAdversarial(b *testing.B) {
	for _, tc := range adversarialCases() {
		b.Run(tc.name, func(b *testing.B) { benchmarkCompare(b, tc.old, tc.new) })
	}
}
