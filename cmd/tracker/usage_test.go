package main

import (
	"flag"
	"io"
	"strings"
	"testing"
)

// commonFlags are the flags every command takes, told once in the usage of
// `tracker` rather than in each synopsis.
var commonFlags = map[string]bool{"config": true, "db": true, "json": true, "v": true}

// flagsOf returns the flags a command binds, without the common ones.
func flagsOf(c command) []*flag.Flag {
	a := &app{stdout: io.Discard, stderr: io.Discard, getenv: func(string) string { return "" }}
	fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
	c.setup(a, fs)
	var fl []*flag.Flag
	fs.VisitAll(func(f *flag.Flag) {
		if !commonFlags[f.Name] {
			fl = append(fl, f)
		}
	})
	return fl
}

// The synopsis of each command (its first line of usage) names every flag
// of its own, and each flag's value is shown as the kind of value it
// takes, never as a word of its description.
func TestUsageNamesEveryFlag(t *testing.T) {
	placeholders := map[string]bool{"": true, "ID": true, "date": true, "topic": true, "importance": true, "N": true,
		"seq": true, "format": true, "level": true, "address": true, "URL": true, "file": true, "selector": true,
		"mode": true, "service": true, "type": true, `"Service/Terms type=SOURCE_ID"`: true}
	for _, c := range commands() {
		for _, f := range flagsOf(c) {
			if !strings.Contains(c.args, "--"+f.Name) {
				t.Errorf("usage: tracker %s %s: no --%s", c.name, c.args, f.Name)
			}
			if name, _ := flag.UnquoteUsage(f); !placeholders[name] {
				t.Errorf("tracker %s -h shows -%s %s: %q is not a kind of value", c.name, f.Name, name, name)
			}
		}
	}
}
