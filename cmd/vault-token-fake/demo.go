package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/acme/vault-token/client"
	"github.com/acme/vault-token/client/vaulttest"
	"github.com/acme/vault-token/internal/command"
	"github.com/acme/vault-token/openapi"
)

func (a *app) demoCmd() *cobra.Command {
	var verbose bool
	cmd := &cobra.Command{
		Use:     "demo [--verbose]",
		Short:   "Run the whole flow against an in-process fake Vault (no network, no credentials)",
		Example: "  vault-token demo --verbose",
		Args:    command.NoArgs,
		RunE:    command.RunE(func(cmd *cobra.Command, _ []string) error { return a.demo(cmd.Context(), verbose) }),
	}
	cmd.Flags().BoolVar(&verbose, "verbose", false, "log each request to stderr (secrets are never logged)")
	return cmd
}

// demoRun is the demo under way: the fake, the client, and what the steps share.
type demoRun struct {
	a    *app
	ctx  context.Context
	fake *vaulttest.Server
	c    *client.Client
	opts []client.Option // c's options, for the OAuth client of step 6
	in90 time.Time
}

func (d *demoRun) say(format string, args ...any) { fmt.Fprintf(d.a.stdout, format+"\n", args...) }

// demo runs the whole flow against an in-process fake Vault: no network, no credentials.
func (a *app) demo(ctx context.Context, verbose bool) error {
	var mu sync.Mutex
	var violations []string
	fake, err := vaulttest.NewServer(vaulttest.Config{Report: func(v string) {
		mu.Lock()
		defer mu.Unlock()
		violations = append(violations, v)
	}})
	if err != nil {
		return err
	}
	defer fake.Close()

	opts := []client.Option{
		client.WithHTTPClient(fake.Client()),
		client.WithCredentials(client.Password("olivia@veepharm.com", "demo-password")),
		client.WithClientID("acme-vault-ops-client-demo"),
	}
	if verbose {
		opts = append(opts, client.WithLogger(slog.New(slog.NewTextHandler(a.stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	}
	c, err := client.New(fake.DNS, opts...)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	d := &demoRun{a: a, ctx: ctx, fake: fake, c: c, opts: opts, in90: a.now().Add(90 * 24 * time.Hour)}
	d.say("vault-token demo: the whole flow against a fake Vault at %s (in this process, no network).", fake.DNS)
	for _, step := range []func() error{d.versions, d.userToken, d.myToken, d.sandboxToken, d.rotation, d.oauth, d.refusal} {
		d.say("")
		if err := step(); err != nil {
			return err
		}
	}
	d.say("")
	mu.Lock()
	defer mu.Unlock()
	d.say("The fake received %d requests and checked each request and reply against the spec: %d violations.", len(fake.Requests()), len(violations))
	if len(violations) > 0 {
		return fmt.Errorf("spec violations: %s", strings.Join(violations, "; "))
	}
	return nil
}

func (d *demoRun) versions() error {
	d.say("1. Log in as olivia@veepharm.com with a password, then list the API versions (GET /api/).")
	list, err := d.c.APIVersions(d.ctx)
	if err != nil {
		return err
	}
	beta, _ := list.Latest(true)
	d.say("   %s  (the newest, %s, may be the Beta; the client uses %s)", strings.Join(list.Versions, " "), beta, client.DefaultAPIVersion)
	return nil
}

func (d *demoRun) userToken() error {
	d.say("2. A token for user 12345, expiring in 90 days (%s, sent in UTC).", d.in90.UTC().Format(time.RFC3339))
	tok, err := d.c.GenerateAPIAccessToken(d.ctx, "12345", client.TokenRequest{Name: "Integration key", ExpiresAt: d.in90})
	if err != nil {
		return err
	}
	d.a.showToken(tok)
	return nil
}

func (d *demoRun) myToken() error {
	date := client.Date{Year: d.in90.Year(), Month: d.in90.Month(), Day: d.in90.Day()}
	d.say("3. A token for myself (users/me), expiring on %s (23:59:59 in my time zone).", date)
	tok, err := d.c.GenerateMyAPIAccessToken(d.ctx, client.TokenRequest{Name: "My key", ExpiresOn: date})
	if err != nil {
		return err
	}
	d.a.showToken(tok)
	return nil
}

func (d *demoRun) sandboxToken() error {
	d.say(`4. A token for myself in the sandbox "VeePharm Sandbox" (the name is escaped in the path).`)
	tok, err := d.c.GenerateSandboxAPIAccessToken(d.ctx, "VeePharm Sandbox", client.TokenRequest{Name: "Sandbox key"})
	if err != nil {
		return err
	}
	d.a.showToken(tok)
	reqs := d.fake.Requests()
	d.say("   sent: %s %s", reqs[len(reqs)-1].Method, reqs[len(reqs)-1].Path)
	return nil
}

func (d *demoRun) rotation() error {
	d.say(`5. A rotation of user 12345's "Integration key": a new token, stored first, then the old one revoked.`)
	rot, err := d.c.RotateAPIAccessToken(d.ctx, client.RotateRequest{
		TokenRequest: client.TokenRequest{Name: "Integration key", ExpiresAt: d.in90}, UserID: "12345",
		Store: func(_ context.Context, tok *client.Token) error {
			d.say("   stored %s, value %v (a secret manager would take tok.Value.Reveal())", tok.ID, tok.Value)
			return nil
		},
	})
	if err != nil {
		return err
	}
	for _, r := range rot.Revoked {
		d.say("   %s %s", r.ID, r.Status)
	}
	tokens, err := d.c.ListAPIAccessTokens(d.ctx, client.TokenFilter{UserID: "12345", All: true})
	if err != nil {
		return err
	}
	d.say("   user 12345's tokens now (a VQL query on api_access_token__sys):")
	for _, t := range tokens.Tokens {
		d.say("   %s %q active=%v", t.ID, t.Name, t.Active)
	}
	return nil
}

func (d *demoRun) oauth() error {
	d.say("6. An OAuth 2.0 / OpenID Connect login: olivia@veepharm.com's access token from her identity")
	d.say("   provider (here, the fake's own), exchanged for a session at the login host, then a token.")
	return d.a.demoOAuth(d.ctx, d.fake, d.opts, d.say)
}

func (d *demoRun) refusal() error {
	d.say("7. A refused call: user 12345 gets tokens up to Vault's cap of %d, then one more.", openapi.MaxActiveTokens)
	for i := 2; i <= openapi.MaxActiveTokens; i++ {
		if _, err := d.c.GenerateAPIAccessToken(d.ctx, "12345", client.TokenRequest{Name: fmt.Sprintf("Key %d", i)}); err != nil {
			return err
		}
	}
	_, err := d.c.GenerateAPIAccessToken(d.ctx, "12345", client.TokenRequest{Name: "Key 26"})
	var apiErr *client.APIError
	if !errors.As(err, &apiErr) {
		return fmt.Errorf("the 26th token was not refused as expected: %w", err)
	}
	d.say("   error:   %v", err)
	d.say("   type:    %s (errors.Is(err, client.ErrorTypeOperationNotAllowed) = %v)", apiErr.Errors[0].Type, errors.Is(err, client.ErrorTypeOperationNotAllowed))
	d.say("   status:  HTTP %d with responseStatus %s: Vault refuses inside a 200 reply", apiErr.HTTPStatus, apiErr.Status)
	d.say("   quote to support: execution ID %s", apiErr.Response.ExecutionID)
	return nil
}

func (a *app) demoOAuth(ctx context.Context, fake *vaulttest.Server, opts []client.Option, say func(string, ...any)) error {
	idpToken, err := fake.IdPToken(vaulttest.DefaultOAuthProfileID, "olivia@veepharm.com", 0)
	if err != nil {
		return err
	}
	opts = append(opts, client.WithLoginHost(fake.DNS), client.WithCredentials(client.OAuth(vaulttest.DefaultOAuthProfileID,
		client.StaticSecret(idpToken), client.OAuthClientID("0oa-vault-integration"))))
	c, err := client.New(fake.DNS, opts...)
	if err != nil {
		return err
	}
	tok, err := c.GenerateMyAPIAccessToken(ctx, client.TokenRequest{Name: "OAuth key"})
	if err != nil {
		return err
	}
	for _, r := range fake.Requests() {
		if r.Op == openapi.OpAuthenticateOAuth {
			say("   sent: %s %s with Authorization: %s, client_id=%s", r.Method, r.Path, r.Header.Get("Authorization"), r.Form.Get("client_id"))
		}
	}
	a.showToken(tok)
	return nil
}

func (a *app) showToken(tok *client.Token) {
	fmt.Fprintf(a.stdout, "   id %s, value %v (Vault shows it once; `generate` prints it on stdout), execution ID %s, burst calls left %d\n",
		tok.ID, tok.Value, tok.Response.ExecutionID, tok.Response.BurstLimitRemaining)
}
