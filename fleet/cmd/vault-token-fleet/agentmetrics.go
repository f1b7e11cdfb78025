package main

import (
	"context"
	"errors"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/acme/vault-token/fleet"
)

// agentState is what the agent's metrics and /healthz read: the last snapshot of the
// record, and counts. Never a token's value.
type agentState struct {
	mu         sync.Mutex
	snap       fleet.Snapshot
	readErrors float64
	fileWrites float64
	fileID     string // the ID of the token the agent last put in the file
}

func (s *agentState) observe(snap fleet.Snapshot) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.snap = snap
	if snap.Err != nil {
		s.readErrors++
	}
}

// wrote records that the file holds token id, and whether this put wrote it.
func (s *agentState) wrote(id string, changed bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fileID = id
	if changed {
		s.fileWrites++
	}
}

var (
	descExpiry = prometheus.NewDesc("vault_token_fleet_token_expiry_timestamp_seconds",
		"When the fleet's current token expires, in seconds since the epoch; absent for a token that never expires.", []string{"key"}, nil)
	descRotation = prometheus.NewDesc("vault_token_fleet_last_rotation_timestamp_seconds",
		"When the fleet's current token was promoted, in seconds since the epoch.", []string{"key"}, nil)
	descEpoch = prometheus.NewDesc("vault_token_fleet_epoch",
		"The record's epoch: how many tokens have been promoted.", []string{"key"}, nil)
	descReadErrors = prometheus.NewDesc("vault_token_fleet_record_read_errors_total",
		"Reads of the record that gave no token (unreadable, another sealing key, deleted); the agent kept the last good one.", []string{"key"}, nil)
	descFileWrites = prometheus.NewDesc("vault_token_fleet_file_writes_total",
		"Times the agent replaced --out-file: once per token it had not written.", []string{"key"}, nil)
)

// collector exports agentState, labelled with the record's key.
type collector struct {
	key   string
	state *agentState
}

func (c collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descExpiry, descRotation, descEpoch, descReadErrors, descFileWrites} {
		ch <- d
	}
}

func (c collector) Collect(ch chan<- prometheus.Metric) {
	c.state.mu.Lock()
	snap, readErrors, fileWrites := c.state.snap, c.state.readErrors, c.state.fileWrites
	c.state.mu.Unlock()
	seconds := func(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }
	if snap.ID != "" {
		if !snap.Expires.IsZero() {
			ch <- prometheus.MustNewConstMetric(descExpiry, prometheus.GaugeValue, seconds(snap.Expires), c.key)
		}
		ch <- prometheus.MustNewConstMetric(descRotation, prometheus.GaugeValue, seconds(snap.Promoted), c.key)
	}
	ch <- prometheus.MustNewConstMetric(descEpoch, prometheus.GaugeValue, float64(snap.Epoch), c.key)
	ch <- prometheus.MustNewConstMetric(descReadErrors, prometheus.CounterValue, readErrors, c.key)
	ch <- prometheus.MustNewConstMetric(descFileWrites, prometheus.CounterValue, fileWrites, c.key)
}

// serveMetrics serves /metrics and /healthz on addr until ctx ends. /healthz is 200 only
// while the file holds the token the record gives (holds checks the file itself).
func serveMetrics(ctx context.Context, ln net.Listener, key string, state *agentState, holds func() bool) error {
	reg := prometheus.NewRegistry()
	if err := reg.Register(collector{key: key, state: state}); err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if !holds() {
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte("the file does not hold the fleet's current token\n"))
			return
		}
		_, _ = w.Write([]byte("ok\n"))
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
