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
	"github.com/acme/vault-token/openapi"
)

func (a *app) demoCmd() *cobra.Command {
	var verbose bool
	cmd := &cobra.Command{
		Use:     "demo [--verbose]",
		Short:   "Run the whole flow against an in-process fake Vault (no network, no credentials)",
		Example: "  vault-token demo --verbose",
		Args:    noArgs,
		RunE:    runE(func(cmd *cobra.Command, _ []string) error { return a.demo(cmd.Context(), verbose) }),
	}
	cmd.Flags().BoolVar(&verbose, "verbose", false, "log each request to stderr (secrets are never logged)")
	return cmd
}

// demo runs the whole flow against an in-process fake Vault: no network, no credentials.
func (a *app) demo(ctx context.Context, verbose bool) error {
	var mu sync.Mutex
	var violations []string
	fake, err := vaulttest.Start(vaulttest.Config{Report: func(v string) {
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
	out := a.stdout
	say := func(format string, args ...any) { fmt.Fprintf(out, format+"\n", args...) }

	say("vault-token demo: the whole flow against a fake Vault at %s (in this process, no network).", fake.DNS)
	say("")
	say("1. Log in as olivia@veepharm.com with a password, then list the API versions (GET /api/).")
	list, err := c.APIVersions(ctx)
	if err != nil {
		return err
	}
	beta, _ := list.Latest(true)
	say("   %s  (the newest, %s, may be the Beta; the client uses %s)", strings.Join(list.Versions, " "), beta, client.DefaultAPIVersion)

	in90 := a.now().Add(90 * 24 * time.Hour)
	say("")
	say("2. A token for user 12345, expiring in 90 days (%s, sent in UTC).", in90.UTC().Format(time.RFC3339))
	tok, err := c.GenerateAPIAccessToken(ctx, "12345", client.TokenRequest{Name: "Integration key", ExpiresAt: in90})
	if err != nil {
		return err
	}
	a.showToken(tok)

	date := client.Date{Year: in90.Year(), Month: in90.Month(), Day: in90.Day()}
	say("")
	say("3. A token for myself (users/me), expiring on %s (23:59:59 in my time zone).", date)
	if tok, err = c.GenerateMyAPIAccessToken(ctx, client.TokenRequest{Name: "My key", ExpiresOn: date}); err != nil {
		return err
	}
	a.showToken(tok)

	say("")
	say(`4. A token for myself in the sandbox "VeePharm Sandbox" (the name is escaped in the path).`)
	if tok, err = c.GenerateSandboxAPIAccessToken(ctx, "VeePharm Sandbox", client.TokenRequest{Name: "Sandbox key"}); err != nil {
		return err
	}
	a.showToken(tok)
	reqs := fake.Requests()
	say("   sent: %s %s", reqs[len(reqs)-1].Method, reqs[len(reqs)-1].Path)

	say("")
	say(`5. A rotation of user 12345's "Integration key": a new token, stored first, then the old one revoked.`)
	rot, err := c.RotateAPIAccessToken(ctx, client.RotateRequest{
		TokenRequest: client.TokenRequest{Name: "Integration key", ExpiresAt: in90}, UserID: "12345",
		Store: func(_ context.Context, tok *client.Token) error {
			say("   stored %s, value %v (a secret manager would take tok.Value.Reveal())", tok.ID, tok.Value)
			return nil
		},
	})
	if err != nil {
		return err
	}
	for _, r := range rot.Revoked {
		say("   %s %s", r.ID, r.Status)
	}
	tokens, err := c.ListAPIAccessTokens(ctx, client.TokenFilter{UserID: "12345", All: true})
	if err != nil {
		return err
	}
	say("   user 12345's tokens now (a VQL query on api_access_token__sys):")
	for _, t := range tokens.Tokens {
		say("   %s %q active=%v", t.ID, t.Name, t.Active)
	}

	say("")
	say("6. An OAuth 2.0 / OpenID Connect login: olivia@veepharm.com's access token from her identity")
	say("   provider (here, the fake's own), exchanged for a session at the login host, then a token.")
	if err := a.demoOAuth(ctx, fake, opts, say); err != nil {
		return err
	}

	say("")
	say("7. A refused call: user 12345 gets tokens up to Vault's cap of %d, then one more.", vaulttest.MaxActiveTokens)
	for i := 2; i <= vaulttest.MaxActiveTokens; i++ {
		if _, err := c.GenerateAPIAccessToken(ctx, "12345", client.TokenRequest{Name: fmt.Sprintf("Key %d", i)}); err != nil {
			return err
		}
	}
	_, err = c.GenerateAPIAccessToken(ctx, "12345", client.TokenRequest{Name: "Key 26"})
	var apiErr *client.APIError
	if !errors.As(err, &apiErr) {
		return fmt.Errorf("the 26th token was not refused as expected: %w", err)
	}
	say("   error:   %v", err)
	say("   type:    %s (errors.Is(err, client.ErrorTypeOperationNotAllowed) = %v)", apiErr.Errors[0].Type, errors.Is(err, client.ErrorTypeOperationNotAllowed))
	say("   status:  HTTP %d with responseStatus %s: Vault refuses inside a 200 reply", apiErr.HTTPStatus, apiErr.Status)
	say("   quote to support: execution ID %s", apiErr.Response.ExecutionID)

	say("")
	mu.Lock()
	defer mu.Unlock()
	say("The fake received %d requests and checked each request and reply against the spec: %d violations.", len(fake.Requests()), len(violations))
	if len(violations) > 0 {
		return fmt.Errorf("spec violations: %s", strings.Join(violations, "; "))
	}
	return nil
}

// demoOAuth logs in with OAuth: opts are the demo client's options, with its credentials
// replaced.
func (a *app) demoOAuth(ctx context.Context, fake *vaulttest.Server, opts []client.Option, say func(string, ...any)) error {
	idpToken, err := fake.IdPToken(vaulttest.DefaultOAuthProfileID, "olivia@veepharm.com", 0)
	if err != nil {
		return err
	}
	opts = append(opts, client.WithCredentials(client.OAuth(vaulttest.DefaultOAuthProfileID, client.StaticSecret(idpToken),
		client.OAuthClientID("0oa-vault-integration"), client.OAuthLoginHost(fake.DNS))))
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
