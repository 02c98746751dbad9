package main

import (
	"errors"
	"net"
	"net/url"
	"strings"
	"syscall"
	"testing"

	"tracker"
	"tracker/internal/sources"
	"tracker/internal/sources/fetch"
)

// A pass in which no source could be reached says once that the machine
// may be offline; one in which the network answered does not.
func TestOfflineHint(t *testing.T) {
	// as a dial fails through net/http, inside the fetch error
	dialErr := func(err error) error {
		return &fetch.Error{Kind: fetch.KindNetwork, Err: &url.Error{Op: "Get", URL: "https://www.tiktok.com/legal",
			Err: &net.OpError{Op: "dial", Net: "tcp", Err: err}}}
	}
	noHost := func(id string) sources.Result {
		return sources.Result{SourceID: id, Outcome: tracker.OutcomeFailed, Kind: fetch.KindNetwork,
			Err: dialErr(&net.DNSError{Err: "no such host", Name: "www.tiktok.com", IsNotFound: true})}
	}
	noRoute := sources.Result{SourceID: "r", Outcome: tracker.OutcomeFailed, Kind: fetch.KindNetwork,
		Err: dialErr(&net.OpError{Op: "connect", Err: syscall.ENETUNREACH})}
	refused := sources.Result{SourceID: "x", Outcome: tracker.OutcomeFailed, Kind: fetch.KindNetwork,
		Err: dialErr(syscall.ECONNREFUSED)}
	noBrowser := sources.Result{SourceID: "cg", Outcome: tracker.OutcomeFailed, Kind: "no-browser", Err: errors.New("no browser")}
	fetched := sources.Result{SourceID: "ok", Outcome: tracker.OutcomeUnchanged}
	for _, tc := range []struct {
		name    string
		results []sources.Result
		want    string
	}{
		{"every host unresolved", []sources.Result{noHost("a"), noHost("b"), noHost("c")}, "3 of the 3 sources could not be reached"},
		{"unresolved, unroutable and no browser", []sources.Result{noHost("a"), noRoute, noBrowser}, "2 of the 3 sources could not be reached"},
		{"one source reached", []sources.Result{noHost("a"), noHost("b"), fetched}, ""},
		{"a server refused: the network works", []sources.Result{refused, refused}, ""},
		{"a single source", []sources.Result{noHost("a")}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := offlineHint(tc.results)
			if tc.want == "" && got != "" || !strings.Contains(got, tc.want) || tc.want != "" && !strings.Contains(got, "no network") {
				t.Errorf("hint %q, want %q", got, tc.want)
			}
		})
	}
}
