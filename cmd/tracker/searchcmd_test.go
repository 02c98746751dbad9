package main

import (
	"strings"
	"testing"
)

func TestExcerpt(t *testing.T) {
	long := strings.Repeat("We may share your information with service providers. ", 10) +
		"We never sell personal data to advertisers. " + strings.Repeat("You can ask us to delete it. ", 10)
	got := excerpt(long, `"sell personal data"`, 12)
	if !strings.Contains(got, "sell personal data") || !strings.HasPrefix(got, "…") || !strings.HasSuffix(got, "…") ||
		len(strings.Fields(got)) != 12 {
		t.Errorf("excerpt around the phrase: %q", got)
	}
	// Ⱥ takes 2 bytes and its lower case 3: offsets in a lowercased copy
	// run past the end of the text.
	odd := strings.Repeat("ȺȺȺȺ ", 40) + "quokka"
	if got := excerpt(odd, "quokka", 10); !strings.HasSuffix(got, "quokka") {
		t.Errorf("excerpt after characters whose case changes their length: %q", got)
	}
	if got := excerpt("short text", "absent", 10); got != "short text" {
		t.Errorf("short text: %q", got)
	}
}

func TestTerminalSafe(t *testing.T) {
	hostile := "Terms\x1b]0;PWNED\x07\x1b[2J and \u202eevil\u202c\n\tclause \u0085 end"
	got := terminalSafe(hostile)
	if strings.ContainsAny(got, "\x1b\x07\u202e\u202c\u0085") || !strings.Contains(got, "\n\tclause") || !strings.HasPrefix(got, "Terms\uFFFD]0;PWNED") {
		t.Errorf("terminalSafe(%q) = %q", hostile, got)
	}
	if plain := "Données personnelles — “quoted”\n"; terminalSafe(plain) != plain {
		t.Errorf("plain text changed: %q", terminalSafe(plain))
	}
}
