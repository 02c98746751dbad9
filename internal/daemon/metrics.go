package daemon

import (
	"context"
	"math"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"tracker"
	"tracker/internal/config"
	"tracker/internal/sources"
	"tracker/internal/store"
)

// Metrics are what the daemon counts, for Prometheus.
type Metrics struct {
	registry *prometheus.Registry
	checks   *prometheus.CounterVec
	failures *prometheus.CounterVec
	changes  *prometheus.CounterVec
	items    *prometheus.CounterVec
	duration *prometheus.HistogramVec
	failing  *prometheus.GaugeVec
	last     *prometheus.GaugeVec
	digests  *prometheus.CounterVec
	alerts   *prometheus.CounterVec
	reloads  *prometheus.CounterVec
	skipped  prometheus.Counter
	// Several workers: checks another worker held when this one found them
	// due, and outcomes refused because this worker's lease had expired.
	leasedElsewhere prometheus.Counter
	leaseLost       prometheus.Counter
}

// NewMetrics registers the daemon's metrics, and Go's and the process's;
// with db, the size of the database too.
func NewMetrics(db store.Store) *Metrics {
	r := prometheus.NewRegistry()
	m := &Metrics{
		registry: r,
		checks: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tracker_checks_total",
			Help: "Checks of sources, by outcome (new, unchanged, not-modified, failed)."}, []string{"source", "outcome"}),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tracker_check_failures_total",
			Help: "Failed checks, by kind (network, timeout, http, blocked, selector...)."}, []string{"source", "kind"}),
		changes: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tracker_changes_total",
			Help: "New versions of documents, by importance."}, []string{"source", "importance"}),
		items: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tracker_items_total",
			Help: "New and updated feed items."}, []string{"source", "kind"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "tracker_check_duration_seconds",
			Help: "How long a check takes, fetch and storage included.", Buckets: prometheus.ExponentialBuckets(0.05, 2, 12)}, []string{"kind"}),
		failing: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "tracker_source_failing",
			Help: "1 while a source's last check failed."}, []string{"source"}),
		last: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "tracker_source_last_check_timestamp_seconds",
			Help: "When a source was last checked."}, []string{"source"}),
		digests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tracker_digests_total",
			Help: "Digests, by state (sent, failed, uncertain, skipped)."}, []string{"state"}),
		alerts: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tracker_alerts_total",
			Help: "Sources reported failing past the threshold, and recovered."}, []string{"kind"}),
		reloads: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tracker_config_reloads_total",
			Help: "Configuration reloads, by result (ok, rejected)."}, []string{"result"}),
		leasedElsewhere: prometheus.NewCounter(prometheus.CounterOpts{Name: "tracker_checks_leased_elsewhere_total",
			Help: "Due checks this worker found leased to another worker sharing the database."}),
		leaseLost: prometheus.NewCounter(prometheus.CounterOpts{Name: "tracker_check_leases_lost_total",
			Help: "Checks whose outcome was refused because their lease expired first (the worker was stalled past the lease's time-to-live); another worker checks them again."}),
		skipped: prometheus.NewCounter(prometheus.CounterOpts{Name: "tracker_checks_skipped_total",
			Help: "Checks not started because the previous one of the same source was still running."}),
	}
	r.MustRegister(m.checks, m.failures, m.changes, m.items, m.duration, m.failing, m.last, m.digests, m.alerts, m.reloads, m.skipped, m.leasedElsewhere, m.leaseLost,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if db != nil {
		r.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "tracker_database_bytes",
			Help: "Size of the database, WAL included (see tracker stats for its parts)."}, func() float64 {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			n, err := db.Size(ctx)
			if err != nil {
				return math.NaN()
			}
			return float64(n)
		}))
	}
	return m
}

// declare gives every series of cfg's sources its value before any check
// runs: a restarted daemon reports a failing source as failing at once,
// not after its next check hours later, and a counter that has not fired
// reads 0 rather than nothing, so that rate() and alerts see it.
func (m *Metrics) declare(ctx context.Context, cfg *config.Config, db store.Store) {
	m.failing.Reset()
	m.last.Reset()
	for i := range cfg.Sources {
		src := &cfg.Sources[i]
		if src.Disabled {
			continue
		}
		for _, o := range []tracker.Outcome{tracker.OutcomeNew, tracker.OutcomeUnchanged, tracker.OutcomeNotModified, tracker.OutcomeFailed} {
			m.checks.WithLabelValues(src.ID, string(o))
		}
		if src.Kind == config.KindFeed {
			m.items.WithLabelValues(src.ID, "new")
			m.items.WithLabelValues(src.ID, "updated")
		} else {
			for _, imp := range []tracker.Importance{tracker.Cosmetic, tracker.Minor, tracker.Major} {
				m.changes.WithLabelValues(src.ID, string(imp))
			}
		}
		failing := 0.0
		if db != nil {
			st, err := db.Source(ctx, src.ID)
			if err == nil && st.Error != "" {
				failing = 1
			}
			if err == nil && !st.LastFetchAt.IsZero() {
				m.last.WithLabelValues(src.ID).Set(float64(st.LastFetchAt.Unix()))
			}
		}
		m.failing.WithLabelValues(src.ID).Set(failing)
	}
	for _, st := range []tracker.DigestState{tracker.DigestSent, tracker.DigestFailed, tracker.DigestUncertain, tracker.DigestSkipped} {
		m.digests.WithLabelValues(string(st))
	}
	m.alerts.WithLabelValues("failing")
	m.alerts.WithLabelValues("recovered")
	m.reloads.WithLabelValues("ok")
	m.reloads.WithLabelValues("rejected")
}

func (m *Metrics) observe(src *config.Source, r sources.Result) {
	m.checks.WithLabelValues(src.ID, string(r.Outcome)).Inc()
	m.duration.WithLabelValues(string(src.Kind)).Observe(r.Duration.Seconds())
	m.last.WithLabelValues(src.ID).SetToCurrentTime()
	if r.Outcome == sources.Failed {
		m.failures.WithLabelValues(src.ID, string(r.Kind)).Inc()
		m.failing.WithLabelValues(src.ID).Set(1)
		return
	}
	m.failing.WithLabelValues(src.ID).Set(0)
	if r.Change != nil {
		m.changes.WithLabelValues(src.ID, string(r.Change.Importance)).Inc()
	}
	if r.Items.New > 0 && !r.Items.Baseline {
		m.items.WithLabelValues(src.ID, "new").Add(float64(r.Items.New))
	}
	if r.Items.Updated > 0 {
		m.items.WithLabelValues(src.ID, "updated").Add(float64(r.Items.Updated))
	}
}

// Handler serves the metrics in Prometheus's text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}
