package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is written by the command while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// serve starts `tracker serve` with extra environment variables and returns
// the address it listens on, a function that stops it and returns its exit
// code, and its stderr.
func (e *env) serve(vars map[string]string, args ...string) (addr string, stop func() int, stderr *syncBuffer) {
	e.t.Helper()
	var out syncBuffer
	stderr = &syncBuffer{}
	a := &app{stdout: &out, stderr: stderr, now: e.clock.Now, getenv: func(k string) string {
		switch k {
		case "TRACKER_CONFIG":
			return e.config
		case "TRACKER_DB":
			return e.db
		}
		return vars[k]
	}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() { done <- a.run(ctx, append([]string{"serve"}, args...)) }()
	stop = func() int {
		cancel()
		select {
		case code := <-done:
			return code
		case <-time.After(20 * time.Second):
			e.t.Fatal("tracker serve did not stop within 20 s of the signal")
			return -1
		}
	}
	// The line of serve, or its JSON with --json.
	listening := regexp.MustCompile(`(?:on |"url": ")(http://[^\s/"]+)/`)
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if m := listening.FindStringSubmatch(out.String()); m != nil {
			return m[1], stop, stderr
		}
		select {
		case code := <-done:
			done <- code
			return "", stop, stderr
		default:
		}
	}
	cancel()
	e.t.Fatalf("tracker serve did not start:\n%s\n%s", out.String(), stderr.String())
	return "", nil, nil
}

func httpGet(t *testing.T, url string, header ...string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, b
}

// The JSON API answers what the command line's --json prints, field for
// field.
func TestServeAPIMirrorsJSON(t *testing.T) {
	e := importedEnv(t)
	addr, stop, stderr := e.serve(nil, "--listen", "127.0.0.1:0")
	if addr == "" {
		t.Fatalf("tracker serve stopped at once: %s", stderr)
	}
	for _, tc := range []struct {
		cli  []string
		path string
	}{
		{[]string{"sources"}, "/api/sources"},
		{[]string{"history", "tiktok-terms-of-service"}, "/api/sources/tiktok-terms-of-service/history"},
		{[]string{"show", "tiktok-terms-of-service", "--at", "2023-06-01"}, "/api/sources/tiktok-terms-of-service/show?at=2023-06-01"},
		{[]string{"show", "tiktok-privacy-policy"}, "/api/sources/tiktok-privacy-policy/show"},
		{[]string{"diff", "tiktok-terms-of-service", "--from", "2", "--to", "3"}, "/api/sources/tiktok-terms-of-service/diff?from=2&to=3"},
		{[]string{"diff", "tiktok-privacy-policy"}, "/api/sources/tiktok-privacy-policy/diff"},
		{[]string{"changes", "--since", "2023-01-01", "--until", "2025-12-31", "--source", "tiktok-terms-of-service", "--min-importance", "major"},
			"/api/changes?since=2023-01-01&until=2025-12-31&source=tiktok-terms-of-service&min-importance=major"},
		{[]string{"changes", "--topic", "privacy"}, "/api/changes?topic=privacy"},
		{[]string{"items"}, "/api/items"},
		{[]string{"search", "personal data", "--source", "tiktok-terms-of-service", "--at", "2024-01-01"},
			"/api/search?q=personal+data&source=tiktok-terms-of-service&at=2024-01-01"},
		{[]string{"search", "refund"}, "/api/search?q=refund"},
	} {
		var cli, web any
		e.runJSON(&cli, tc.cli...)
		status, body := httpGet(t, addr+tc.path)
		if err := json.Unmarshal(body, &web); err != nil || status != http.StatusOK {
			t.Errorf("GET %s: %d, %v\n%s", tc.path, status, err, body)
			continue
		}
		if !reflect.DeepEqual(cli, web) {
			t.Errorf("GET %s differs from tracker %s --json", tc.path, strings.Join(tc.cli, " "))
		}
	}
	if code := stop(); code != exitOK {
		t.Errorf("stopping: exit %d\n%s", code, stderr)
	}
	if status, _ := func() (int, error) {
		res, err := http.Get(addr + "/")
		if err != nil {
			return 0, err
		}
		res.Body.Close()
		return res.StatusCode, nil
	}(); status != 0 {
		t.Errorf("still serving after the signal: %d", status)
	}
}

func TestServeAccessControl(t *testing.T) {
	e := importedEnv(t)

	// Beyond loopback, only with access control.
	for _, listen := range []string{"0.0.0.0:0", ":0"} {
		addr, stop, stderr := e.serve(nil, "--listen", listen)
		if code := stop(); addr != "" || code != exitUsage || !strings.Contains(stderr.String(), "TRACKER_WEB_TOKEN") {
			t.Errorf("--listen %s without a token: served at %q, exit %d\n%s", listen, addr, code, stderr)
		}
	}
	const token = "a-long-random-secret-0123456789"
	addr, stop, stderr := e.serve(map[string]string{"TRACKER_WEB_TOKEN": token}, "--listen", "0.0.0.0:0")
	if addr == "" {
		t.Fatalf("with a token: %s", stderr)
	}
	addr = strings.Replace(addr, "0.0.0.0", "127.0.0.1", 1)
	if status, _ := httpGet(t, addr+"/api/sources"); status != http.StatusUnauthorized {
		t.Errorf("no token: %d", status)
	}
	if status, _ := httpGet(t, addr+"/api/sources", "Authorization", "Bearer "+token); status != http.StatusOK {
		t.Errorf("with the token: %d", status)
	}
	stop()

	addr, stop, stderr = e.serve(map[string]string{"TRACKER_WEB_USER": "counsel"}, "--listen", "127.0.0.1:0")
	if code := stop(); addr != "" || code != exitUsage || !strings.Contains(stderr.String(), "TRACKER_WEB_PASSWORD") {
		t.Errorf("a user without a password: served at %q, exit %d\n%s", addr, code, stderr)
	}
}
