package main

import (
	"context"
	"math"
	"path/filepath"
	"testing"
	"time"

	"github.com/acme/vault-token/client/vaulttest"
	"github.com/acme/vault-token/fleet/internal/etcdtest"
	"github.com/acme/vault-token/fleet/internal/lags"
	"github.com/acme/vault-token/internal/command"
)

// BenchmarkAgentFileReplaced: a promotion written to etcd until the agent's file holds the
// new token, beside the floor: a bare etcd watcher of the same key seeing the same write.
// The records are two real rotations' (the writes alternate between them, so each changes
// the current token); the agent runs in-process on a three-member cluster on loopback, its
// file on the test's temporary folder. Reported: the median and p99 of each, and their
// ratios. make bench-fleet runs it.
func BenchmarkAgentFileReplaced(b *testing.B) {
	c := etcdtest.StartWith(b, etcdtest.Config{Members: 3})
	h := newHarnessWith(b, vaulttest.NewTestServer(b, vaulttest.Config{LoginLimit: math.MaxInt32}), c.Endpoints())
	key := h.env[command.EnvFleetKey]
	cli := c.Client(b)
	var records []string
	for range 2 {
		h.rotate(b, "0s")
		got, err := cli.Get(b.Context(), key)
		if err != nil || len(got.Kvs) != 1 {
			b.Fatalf("the record: %v", err)
		}
		records = append(records, string(got.Kvs[0].Value))
	}
	out := filepath.Join(b.TempDir(), "token")
	stderr := newLines()
	ctx, stop := context.WithCancel(context.Background())
	a := &app{stdout: newLines(), stderr: stderr, getenv: func(k string) string { return h.env[k] }}
	done := make(chan int, 1)
	go func() { done <- a.run(ctx, []string{"agent", "--out-file", out}) }()
	b.Cleanup(func() { stop(); <-done })
	const wrote = "the file holds the current token"
	stderr.waitFor(b, wrote, 1)

	seen := make(chan time.Time, 1)
	wctx, wstop := context.WithCancel(b.Context())
	defer wstop()
	watch := cli.Watch(wctx, key)
	go func() {
		for range watch {
			seen <- time.Now()
		}
	}()
	var agentLags, bareLags []time.Duration
	b.ResetTimer()
	for i := range b.N {
		start := time.Now()
		if _, err := cli.Put(b.Context(), key, records[i%2]); err != nil {
			b.Fatal(err)
		}
		bareLags = append(bareLags, (<-seen).Sub(start))
		stderr.waitFor(b, wrote, i+2)
		agentLags = append(agentLags, stderr.lastAt().Sub(start))
	}
	b.StopTimer()
	lags.Report(b, "agent", agentLags, bareLags)
}
