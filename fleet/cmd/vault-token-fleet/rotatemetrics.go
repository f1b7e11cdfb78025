package main

import (
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"

	"github.com/acme/vault-token/fleet"
	"github.com/acme/vault-token/openapi"
)

// What a rotation job leaves for node_exporter's textfile collector (--metrics-file):
// Prometheus' guidance for a batch job is its last success time, which an alert compares
// with time(); beside it the run's end, its outcome, and the record's figures.
const lastSuccess = "vault_token_fleet_rotate_last_success_timestamp_seconds"

// writeRotateMetrics writes path (atomically: client_golang's WriteToTextfile writes a
// temporary file and renames it) for a run that ended at now with rep and err, the user
// holding active tokens (-1: not counted). A failed run keeps the last success the file
// held.
func writeRotateMetrics(path, key string, now time.Time, rep *fleet.Report, runErr error, active int) error {
	reg := prometheus.NewRegistry()
	gauge := func(name, help string, v float64) {
		g := prometheus.NewGauge(prometheus.GaugeOpts{Name: name, Help: help, ConstLabels: prometheus.Labels{"key": key}})
		g.Set(v)
		reg.MustRegister(g)
	}
	seconds := func(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }
	success, last := 0.0, previousSuccess(path)
	if runErr == nil {
		success, last = 1, seconds(now)
	}
	gauge("vault_token_fleet_rotate_last_run_timestamp_seconds", "When the last rotation run ended, in seconds since the epoch.", seconds(now))
	gauge("vault_token_fleet_rotate_last_run_success", "Whether the last rotation run succeeded (1) or failed (0).", success)
	if last > 0 {
		gauge(lastSuccess, "When a rotation run last succeeded, in seconds since the epoch.", last)
	}
	if active >= 0 {
		gauge("vault_token_fleet_user_active_tokens", "The active API access tokens the fleet's Vault user holds, of every name.", float64(active))
		gauge("vault_token_fleet_user_max_active_tokens", "The active tokens Vault lets a user hold.", openapi.MaxActiveTokens)
	}
	if rep != nil && rep.Current != nil {
		gauge("vault_token_fleet_epoch", "The record's epoch: how many tokens have been promoted.", float64(rep.Epoch))
		if rep.Current.Expires != nil {
			gauge("vault_token_fleet_token_expiry_timestamp_seconds", "When the fleet's current token expires, in seconds since the epoch; absent for a token that never expires.", seconds(*rep.Current.Expires))
		}
		if rep.DueAt != nil {
			gauge("vault_token_fleet_rotate_due_timestamp_seconds", "When the current token is due for rotation, in seconds since the epoch; absent for never.", seconds(*rep.DueAt))
		}
	}
	return prometheus.WriteToTextfile(path, reg)
}

// previousSuccess is the last success the file at path holds, or 0.
func previousSuccess(path string) float64 {
	f, err := os.Open(path) //nolint:gosec // the operator's --metrics-file
	if err != nil {
		return 0 // none yet (or unreadable: the next success writes one)
	}
	defer func() { _ = f.Close() }()
	var p expfmt.TextParser
	families, err := p.TextToMetricFamilies(f)
	if err != nil || families[lastSuccess] == nil || len(families[lastSuccess].GetMetric()) == 0 {
		return 0
	}
	return families[lastSuccess].GetMetric()[0].GetGauge().GetValue()
}
