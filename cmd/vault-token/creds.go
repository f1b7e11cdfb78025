package main

import (
	"bufio"
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/acme/vault-token/client"
	"github.com/acme/vault-token/internal/command"
)

// credFlags are the flags that choose and carry credentials.
type credFlags struct {
	passwordStdin, idpTokenStdin bool
	oauthProfile, oauthClientID  string
	oauthLoginHost               string
}

func addCredFlags(cmd *cobra.Command) *credFlags {
	f := &credFlags{}
	fs := cmd.Flags()
	fs.BoolVar(&f.passwordStdin, "password-stdin", false, "read "+command.EnvUsername+"'s password from the first line of stdin")
	fs.StringVar(&f.oauthProfile, "oauth-profile", "", "log in with OAuth 2.0 / OpenID Connect through this Vault OAuth profile ID (default $"+command.EnvOAuthProfile+")")
	fs.BoolVar(&f.idpTokenStdin, "idp-token-stdin", false, "read the identity provider's access token for --oauth-profile from the first line of stdin")
	fs.StringVar(&f.oauthClientID, "oauth-client-id", "", "the client application's ID at the authorization server, for Vault's token introspection")
	fs.StringVar(&f.oauthLoginHost, "oauth-login-host", client.DefaultLoginHost, "Veeva's login host, HOST[:PORT]: for --oauth-profile logins, and to tell why a password is refused for an SSO user (default $"+command.EnvLoginHost+", else "+client.DefaultLoginHost+")")
	return f
}

// credentials reads the flags and the environment: exactly one kind of credentials, a
// session ID, an access token, a user name and password (from the environment,
// --password-stdin or a prompt), or an OAuth profile with an identity provider token (from
// the environment or --idp-token-stdin). No flag carries a secret: a flag would show in the
// process list and the shell history. Two kinds at once, or two sources of one secret, are
// refused rather than one silently winning.
func (a *app) credentials(cmd *cobra.Command, f *credFlags) (client.Credentials, error) {
	f.oauthLoginHost = a.loginHost(cmd, f.oauthLoginHost)
	session, token := a.getenv(command.EnvSessionID), a.getenv(command.EnvAccessToken)
	user, envPw := a.getenv(command.EnvUsername), a.getenv(command.EnvPassword)
	profile, profileFrom := f.oauthProfile, "--oauth-profile"
	if profile == "" {
		profile, profileFrom = a.getenv(command.EnvOAuthProfile), command.EnvOAuthProfile
	}
	envIdP := a.getenv(command.EnvIdPToken)
	kinds := []credKind{
		{command.EnvSessionID, session != ""},
		{command.EnvAccessToken, token != ""},
		{command.EnvUsername, user != ""}, {command.EnvPassword, envPw != ""}, {"--password-stdin", f.passwordStdin},
		{profileFrom, profile != ""}, {command.EnvIdPToken, envIdP != ""}, {"--idp-token-stdin", f.idpTokenStdin},
	}
	chosen := describeKinds(kinds[0:1], kinds[1:2], kinds[2:5], kinds[5:8])
	switch {
	case len(chosen) == 0:
		return client.Credentials{}, command.UsageErrorf("no credentials: set %s, %s, %s (with %s or --password-stdin), or use --oauth-profile (with %s or --idp-token-stdin)",
			command.EnvSessionID, command.EnvAccessToken, command.EnvUsername, command.EnvPassword, command.EnvIdPToken)
	case len(chosen) > 1:
		return client.Credentials{}, command.UsageErrorf("two kinds of credentials: %s; keep one", strings.Join(chosen, " and "))
	case envPw != "" && f.passwordStdin:
		return client.Credentials{}, command.UsageErrorf("two passwords: %s and --password-stdin; keep one", command.EnvPassword)
	case envIdP != "" && f.idpTokenStdin:
		return client.Credentials{}, command.UsageErrorf("two identity provider tokens: %s and --idp-token-stdin; keep one", command.EnvIdPToken)
	case (envPw != "" || f.passwordStdin) && user == "":
		return client.Credentials{}, command.UsageErrorf("%s needs %s", chosen[0], command.EnvUsername)
	case (envIdP != "" || f.idpTokenStdin) && profile == "":
		return client.Credentials{}, command.UsageErrorf("%s needs --oauth-profile (or %s)", chosen[0], command.EnvOAuthProfile)
	case profile != "" && envIdP == "" && !f.idpTokenStdin:
		return client.Credentials{}, command.UsageErrorf("%s needs the identity provider's access token: set %s or use --idp-token-stdin", profileFrom, command.EnvIdPToken)
	case profile == "" && cmd.Flags().Changed("oauth-client-id"):
		return client.Credentials{}, command.UsageErrorf("--oauth-client-id applies to --oauth-profile logins only")
	case session != "":
		return client.SessionID(session), nil
	case token != "":
		return client.AccessToken(token), nil
	case profile != "":
		return a.oauth(cmd.Context(), profile, envIdP, f)
	}
	pw, err := a.password(cmd, user, f.passwordStdin)
	if err != nil {
		return client.Credentials{}, err
	}
	a.passwordUser = user
	return client.Password(user, pw), nil
}

// credKind is one source of credentials, and whether it is set.
type credKind struct {
	name string
	set  bool
}

// describeKinds names each kind of credentials that has a source set, by its sources: a
// kind's sources (a user name and its password) are named together.
func describeKinds(kinds ...[]credKind) []string {
	var out []string
	for _, sources := range kinds {
		var set []string
		for _, s := range sources {
			if s.set {
				set = append(set, s.name)
			}
		}
		if len(set) > 0 {
			out = append(out, strings.Join(set, " with "))
		}
	}
	return out
}

// oauth builds OAuth credentials, with the identity provider's token from the environment
// or the first line of stdin.
func (a *app) oauth(ctx context.Context, profile, envIdP string, f *credFlags) (client.Credentials, error) {
	tok := envIdP
	if f.idpTokenStdin {
		line, err := a.stdinLine(ctx, "--idp-token-stdin", "the identity provider's token")
		if err != nil {
			return client.Credentials{}, err
		}
		tok = strings.TrimSpace(line) // tokens hold no spaces; an echo or a paste adds them
	}
	var opts []client.OAuthOption // the login host is the client's: connect sets it
	if f.oauthClientID != "" {
		opts = append(opts, client.OAuthClientID(f.oauthClientID))
	}
	return client.OAuth(profile, client.StaticSecret(tok), opts...), nil
}

func (a *app) password(cmd *cobra.Command, user string, fromStdin bool) (string, error) {
	if fromStdin {
		line, err := a.stdinLine(cmd.Context(), "--password-stdin", "the password")
		if err != nil {
			return "", err
		}
		return strings.TrimRight(line, "\r\n"), nil
	}
	if pw := a.getenv(command.EnvPassword); pw != "" {
		return pw, nil
	}
	if !a.isTerminal() {
		return "", command.UsageErrorf("no password for %s: set %s, use --password-stdin, or run on a terminal to be asked", user, command.EnvPassword)
	}
	fmt.Fprintf(a.stderr, "Password for %s: ", user)
	pw, err := a.readPassword(cmd.Context())
	fmt.Fprintln(a.stderr)
	if err != nil {
		return "", fmt.Errorf("reading the password: %w", err)
	}
	return string(pw), nil
}

// stdinLine reads the first line of stdin for flag, which reads what. A signal ends the
// wait at once, whatever stdin does: a pipe that is open but silent would otherwise hold
// the command past the SIGTERM a service manager sends, which the read cannot see.
func (a *app) stdinLine(ctx context.Context, flag, what string) (string, error) {
	type result struct {
		line string
		err  error
	}
	done := make(chan result, 1)
	go func() {
		line, err := bufio.NewReader(a.stdin).ReadString('\n')
		done <- result{line, err}
	}()
	select {
	case r := <-done:
		if r.err != nil && r.line == "" {
			return "", command.UsageErrorf("%s: nothing to read on stdin", flag)
		}
		return r.line, nil
	case <-ctx.Done():
		return "", fmt.Errorf("stopped while waiting for %s on stdin (%s): %w", what, flag, context.Cause(ctx))
	}
}

// loginHost is the --oauth-login-host the command line gives, else $VEEVA_VAULT_LOGIN_HOST,
// else Veeva's (the flag's default).
func (a *app) loginHost(cmd *cobra.Command, flag string) string {
	if !cmd.Flags().Changed("oauth-login-host") {
		if h := a.getenv(command.EnvLoginHost); h != "" {
			return h
		}
	}
	return flag
}
