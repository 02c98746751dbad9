package daemon

import (
	"encoding/json"
	"net/http"
	"time"
)

// Handler serves /healthz and /metrics.
func (d *Daemon) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", d.metrics.Handler())
	mux.HandleFunc("GET /healthz", d.healthz)
	return mux
}

type health struct {
	Status    string  `json:"status"`
	Sources   int     `json:"sources"`
	Failing   int     `json:"failing"`
	LastCheck *string `json:"last_check"`
	Error     string  `json:"error,omitempty"`
}

// healthz answers 200 while the database answers, with a summary: a failing
// source is a fact to report, not a sick daemon.
func (d *Daemon) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	list, err := d.opt.DB.Sources(r.Context())
	if err != nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		json.NewEncoder(w).Encode(health{Status: "unavailable", Error: err.Error()})
		return
	}
	h := health{Status: "ok", Sources: len(list)}
	var last time.Time
	for _, s := range list {
		if s.Error != "" {
			h.Failing++
		}
		if s.LastFetchAt.After(last) {
			last = s.LastFetchAt
		}
	}
	if !last.IsZero() {
		t := last.UTC().Format(time.RFC3339)
		h.LastCheck = &t
	}
	json.NewEncoder(w).Encode(h)
}
