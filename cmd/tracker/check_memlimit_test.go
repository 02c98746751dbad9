package main

import (
	"runtime/debug"
	"testing"

	"tracker/internal/config"
)

// tracker check and run hold the Go heap to settings.memory_limit, unless
// the operator set GOMEMLIMIT.
func TestMemoryLimit(t *testing.T) {
	prev := debug.SetMemoryLimit(-1)
	defer debug.SetMemoryLimit(prev)
	for _, tc := range []struct {
		yaml, env string
		want      int64
	}{
		{"sources: [{id: a, kind: page, url: 'http://127.0.0.1/a', select: main}]\n", "", 48 << 20},
		{"settings: {memory_limit: 64MiB}\nsources: [{id: a, kind: page, url: 'http://127.0.0.1/a', select: main}]\n", "", 64 << 20},
		{"settings: {memory_limit: 0}\nsources: [{id: a, kind: page, url: 'http://127.0.0.1/a', select: main}]\n", "", prev},
		{"sources: [{id: a, kind: page, url: 'http://127.0.0.1/a', select: main}]\n", "100MiB", prev},
	} {
		cfg, err := config.Parse("sources.yaml", []byte(tc.yaml))
		if err != nil {
			t.Fatal(err)
		}
		a := &app{getenv: func(k string) string {
			if k == "GOMEMLIMIT" {
				return tc.env
			}
			return ""
		}}
		before := a.limitMemory(cfg)
		if got := debug.SetMemoryLimit(-1); got != tc.want {
			t.Errorf("%q with GOMEMLIMIT=%q: limit %d, want %d", tc.yaml, tc.env, got, tc.want)
		}
		debug.SetMemoryLimit(before)
	}
}
