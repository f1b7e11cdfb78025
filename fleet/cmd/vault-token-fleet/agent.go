package main

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/acme/vault-token/fleet"
	"github.com/acme/vault-token/internal/command"
)

type agentFlags struct {
	*fleetFlags
	outFile, fileMode, signal, metricsAddr string
	exec, restart                          bool
}

func (a *app) agentCmd() *cobra.Command {
	f := &agentFlags{}
	cmd := &cobra.Command{
		Use:   "agent --out-file PATH [--metrics-addr HOST:PORT] [--exec [--signal SIG | --restart] -- CMD ARGS...]",
		Short: "Keep a file holding the fleet's current token, for a process in any language",
		Long: `agent keeps --out-file holding the fleet's current token and nothing else (no newline),
replaced by rename within milliseconds of a promotion (it watches the record as a Go
consumer does), and written only when the token changes. A process re-opens the file when
it needs the token; it never keeps it open (docs/fleet.md, "Every process joins the fleet").
When the record cannot be read, the file keeps the last good token and the agent says so.

With --exec, it runs CMD as its child once the file holds a token, with the file's path in
` + envTokenFile + `, tells it of a new token with --signal (default HUP) or restarts it
(--restart), passes on every signal it gets (INT, TERM, HUP, QUIT, USR1, USR2), and exits
when the child does, with its status. Without --exec it runs until a signal stops it.

--metrics-addr serves /metrics (Prometheus' text format: the token's expiry, the last
rotation, the epoch, record read errors, file writes) and /healthz (200 only while the file
holds the current token). No token is ever logged or exported.`,
		Example: `  vault-token fleet agent --etcd https://etcd:2379 --key /vault-token/svc --seal-key-file /run/secrets/fleet-seal \
      --out-file /run/vault-token/token --metrics-addr 127.0.0.1:9464 --exec -- python3 app.py`,
		Args: func(cmd *cobra.Command, args []string) error {
			if f.exec != (len(args) > 0) || (len(args) > 0 && cmd.ArgsLenAtDash() != 0) {
				return command.UsageErrorf("give --exec -- CMD ARGS... together (the command after --), or neither")
			}
			return nil
		},
		RunE: command.RunE(func(cmd *cobra.Command, args []string) error { return a.agent(cmd, f, args) }),
	}
	f.fleetFlags = addFleetFlags(cmd, "text", 0)
	fs := cmd.Flags()
	fs.StringVar(&f.outFile, "out-file", "", "the file that holds the current token (required)")
	fs.StringVar(&f.fileMode, "file-mode", "0600", "the file's permission bits, octal (0600 or 0640: never others')")
	fs.BoolVar(&f.exec, "exec", false, "run the command after -- as the agent's child")
	fs.StringVar(&f.signal, "signal", "HUP", "with --exec, the signal that tells the child of a new token")
	fs.BoolVar(&f.restart, "restart", false, "with --exec, restart the child at a new token instead of signalling it")
	fs.StringVar(&f.metricsAddr, "metrics-addr", "", "serve /metrics and /healthz on HOST:PORT (such as 127.0.0.1:9464)")
	return cmd
}

func (a *app) agent(cmd *cobra.Command, f *agentFlags, argv []string) error {
	if f.outFile == "" {
		return command.UsageErrorf("--out-file is required: the file the token goes to")
	}
	mode, err := parseFileMode(f.fileMode)
	if err != nil {
		return command.UsageErrorf("--file-mode %s: %v", f.fileMode, err)
	}
	notify, err := signalNamed(f.signal)
	switch {
	case err != nil:
		return command.UsageErrorf("--signal %s: %v", f.signal, err)
	case (cmd.Flags().Changed("signal") || f.restart) && !f.exec:
		return command.UsageErrorf("--signal and --restart apply to --exec only")
	case cmd.Flags().Changed("signal") && f.restart:
		return command.UsageErrorf("give --signal or --restart, not both")
	case f.restart:
		notify = 0
	}
	var ln net.Listener
	if f.metricsAddr != "" {
		if ln, err = new(net.ListenConfig).Listen(cmd.Context(), "tcp", f.metricsAddr); err != nil {
			return command.UsageErrorf("--metrics-addr: %v", err)
		}
		defer func() { _ = ln.Close() }()
	}
	o, err := a.open(cmd, f.fleetFlags, sealOpen, "text")
	if err != nil {
		return err
	}
	defer o.done()
	log := slog.New(slog.NewTextHandler(a.stderr, nil))
	run := o.ctx
	var sigs chan os.Signal
	if f.exec {
		// The child decides when the run ends: every signal goes on to it (a HUP it takes
		// as "reload" must not stop the agent), and the agent ends when it exits.
		run = context.WithoutCancel(o.ctx)
		sigs = make(chan os.Signal, 8)
		signal.Notify(sigs, forwarded...)
		defer signal.Stop(sigs)
	}
	src, err := fleet.NewSource(run, o.store, o.sealer)
	if err != nil {
		return err
	}
	defer func() { _ = src.Close() }()

	file := &tokenFile{path: f.outFile, mode: mode}
	state := &agentState{}
	holds := func() bool {
		tok, err := src.Secret(run)
		state.mu.Lock()
		current := state.fileID != "" && state.fileID == state.snap.ID
		state.mu.Unlock()
		return err == nil && current && file.holds(tok.Reveal())
	}
	if ln != nil {
		go func() {
			if err := serveMetrics(run, ln, o.key, state, holds); err != nil {
				log.Error("vault-token-fleet agent: /metrics stopped", "error", err)
			}
		}()
	}
	var ch *child
	if f.exec {
		ch = &child{argv: argv, env: append(os.Environ(), envTokenFile+"="+f.outFile), stdout: a.stdout, stderr: a.stderr, notify: notify}
	}
	return a.follow(run, src, file, state, ch, sigs, log)
}

// forwarded are the signals an agent with --exec passes on to its child.
var forwarded = []os.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT, syscall.SIGUSR1, syscall.SIGUSR2}

// follow puts each token the source gives into the file and tells the child. Without a
// child it ends when the run does (a signal); with one, it passes every signal on (sigs)
// and ends when the child exits, with its status.
func (a *app) follow(ctx context.Context, src *fleet.Source, file *tokenFile, state *agentState, ch *child, sigs <-chan os.Signal, log *slog.Logger) error {
	snaps := make(chan fleet.Snapshot)
	wctx, stop := context.WithCancel(ctx)
	defer stop()
	go func() {
		defer close(snaps)
		var seen fleet.Snapshot
		for {
			s, err := src.Wait(wctx, seen)
			if err != nil {
				return
			}
			seen = s
			select {
			case snaps <- s:
			case <-wctx.Done():
				return
			}
		}
	}()
	var lastErr error
	for {
		var exited <-chan struct{}
		if ch != nil && ch.cmd != nil {
			exited = ch.exited
		}
		select {
		case s, ok := <-snaps:
			if !ok {
				return a.stopped(ctx, ch)
			}
			state.observe(s)
			switch {
			case s.Err != nil && s.ID != "":
				log.Warn("vault-token-fleet agent: the record gives no token; the file keeps the last good one", "error", s.Err, "holds", s.ID)
			case s.Err != nil:
				log.Warn("vault-token-fleet agent: the record gives no token yet", "error", s.Err)
			case lastErr != nil:
				log.Info("vault-token-fleet agent: the record gives a token again", "id", s.ID)
			}
			lastErr = s.Err
			if s.ID == "" {
				continue // no token yet: nothing to write, no child to start
			}
			if err := a.put(ctx, src, file, state, s.ID, ch, log); err != nil {
				if ctx.Err() != nil {
					return a.stopped(ctx, ch) // the run ended while the token was read
				}
				return err
			}
		case <-exited:
			return ch.status()
		case sig := <-sigs:
			if ch.cmd == nil { // no child yet: the signal is the agent's own
				if s, ok := sig.(syscall.Signal); ok {
					return &command.ExitedError{Program: name, Code: 128 + int(s)}
				}
				return nil
			}
			_ = ch.cmd.Process.Signal(sig)
		case <-ctx.Done():
			return a.stopped(ctx, ch)
		}
	}
}

// put makes the file hold the token id the source gives, and starts or tells the child.
// A file it cannot write is said and tried again at the next change; /healthz says it too.
func (a *app) put(ctx context.Context, src *fleet.Source, file *tokenFile, state *agentState, id string, ch *child, log *slog.Logger) error {
	tok, err := src.Secret(ctx)
	if err != nil {
		return err
	}
	changed, err := file.put(tok.Reveal())
	if err != nil {
		log.Error("vault-token-fleet agent: the file was not replaced", "error", err)
		return nil
	}
	state.mu.Lock()
	first := state.fileID == ""
	state.mu.Unlock()
	state.wrote(id, changed)
	switch {
	case changed:
		log.Info("vault-token-fleet agent: the file holds the current token", "id", id)
	case first:
		log.Info("vault-token-fleet agent: the file already holds the current token", "id", id)
	}
	switch {
	case ch == nil:
	case ch.cmd == nil:
		return ch.start()
	case changed:
		if err := ch.tokenChanged(); err != nil {
			log.Error("vault-token-fleet agent: the child was not told of the new token", "error", err)
		}
	}
	return nil
}

// stopped ends the run: the signal that stopped the agent goes on to the child, whose
// status is the agent's.
func (a *app) stopped(ctx context.Context, ch *child) error {
	if ch == nil || ch.cmd == nil {
		return nil
	}
	sig := syscall.SIGTERM
	var by command.StoppedBy
	if errors.As(context.Cause(ctx), &by) {
		sig = by.Sig
	}
	ch.stop(sig)
	return ch.status()
}

// signalNamed reads a signal's name: HUP, SIGHUP, USR1, ...
func signalNamed(name string) (syscall.Signal, error) {
	sigs := map[string]syscall.Signal{"HUP": syscall.SIGHUP, "USR1": syscall.SIGUSR1, "USR2": syscall.SIGUSR2,
		"INT": syscall.SIGINT, "TERM": syscall.SIGTERM, "QUIT": syscall.SIGQUIT, "WINCH": syscall.SIGWINCH}
	if s, ok := sigs[strings.TrimPrefix(strings.ToUpper(name), "SIG")]; ok {
		return s, nil
	}
	return 0, errors.New("give HUP, USR1, USR2, INT, TERM, QUIT or WINCH")
}
