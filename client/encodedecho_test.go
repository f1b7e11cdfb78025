package client_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/acme/vault-token/client"
	"github.com/acme/vault-token/client/vaulttest"
	"github.com/acme/vault-token/openapi"
)

// encodedEchoes are the ways a server or proxy could echo a secret in an encoding: hex in
// either case, and base64 (standard and URL alphabets, padded and raw) of the secret alone
// and of the secret inside a longer string, at each of the three alignments it can start
// at. found names the part of each echo that carries the secret: for an encoded string with
// other bytes around the secret, the characters that encode only the secret's own bytes.
func encodedEchoes(secret string) (echoes, found []string) {
	add := func(echo, carries string) { echoes, found = append(echoes, echo), append(found, carries) }
	add(hex.EncodeToString([]byte(secret)), hex.EncodeToString([]byte(secret)))
	upper := strings.ToUpper(hex.EncodeToString([]byte(secret)))
	add("0x"+upper+"FF", upper)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		add(enc.EncodeToString([]byte(secret)), enc.EncodeToString([]byte(secret)))
		for before := range 3 {
			blob := strings.Repeat("u", before+3) + secret + "|tail"
			encoded := enc.EncodeToString([]byte(blob))
			start := (before + 3 + 2) / 3 * 4         // the first group made of the secret's bytes alone
			end := (before + 3 + len(secret)) / 3 * 4 // the end of the last such group
			add(encoded, encoded[start:end])
		}
	}
	return echoes, found
}

// TestEncodedEchoesAreScrubbed: a server echoes every held secret (a password from a
// source, a session, an access token, an identity provider token) in hex and base64 forms,
// in a later call's FAILURE message and in a header; no error, field or debug log line
// holds any of them.
func TestEncodedEchoesAreScrubbed(t *testing.T) {
	const password = "Pa55<w0rd>&=+/\"tail-secret-42" // characters that end field rules early
	users := []vaulttest.User{{ID: olivia.ID, Username: olivia.Username, Password: password, Admin: true}}
	for _, tt := range []struct {
		name string
		// creds are the credentials; secret, the one the server echoes, given the
		// Authorization header the echoing call was sent with.
		creds  func(fake *vaulttest.Server) client.Credentials
		secret func(fake *vaulttest.Server, authz string) string
	}{
		{"a password from a source", func(*vaulttest.Server) client.Credentials {
			return client.PasswordFrom(olivia.Username, client.SecretFunc(func(context.Context) (client.Secret, error) {
				return client.NewSecret(password), nil
			}))
		}, func(*vaulttest.Server, string) string { return password }},
		{"the session of a password login", func(*vaulttest.Server) client.Credentials {
			return client.Password(olivia.Username, password)
		}, func(_ *vaulttest.Server, authz string) string { return authz }},
		{"an access token", func(*vaulttest.Server) client.Credentials { return client.AccessToken(secretAccess) },
			func(*vaulttest.Server, string) string { return secretAccess }},
		{"an identity provider token from a source", func(fake *vaulttest.Server) client.Credentials {
			return client.OAuth(vaulttest.DefaultOAuthProfileID, client.SecretFunc(func(context.Context) (client.Secret, error) {
				return client.NewSecret(idpTokenOf(t, fake)), nil
			}))
		}, func(fake *vaulttest.Server, _ string) string { return idpTokenOf(t, fake) }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			fake := vaulttest.NewTestServer(t, vaulttest.Config{Users: users})
			var secret string
			var echoes, found []string
			// The login is the fake's own; the later call echoes its secret anyway, raw,
			// after password= and in every encoding.
			answer(t, fake, openapi.OpGenerateMyAPIAccessToken, false, func(w http.ResponseWriter, r *http.Request) {
				secret = tt.secret(fake, r.Header.Get("Authorization"))
				echoes, found = encodedEchoes(secret)
				w.Header().Set("X-VaultAPI-ExecutionId", echoes[0])
				var msgs []string
				for _, e := range echoes {
					msgs = append(msgs, `{"type":"INVALID_DATA","message":"echo `+e+`"}`)
				}
				msgs = append(msgs, `{"type":"INVALID_DATA","message":"password=`+jsonEscaped(secret)+` raw `+jsonEscaped(secret)+`"}`)
				reply(w, `{"responseStatus":"FAILURE","errors":[`+strings.Join(msgs, ",")+`]}`)
			})
			var logs bytes.Buffer
			c := fakeClient(t, fake, tt.creds(fake),
				client.WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
			_, err := c.GenerateMyAPIAccessToken(context.Background(), client.TokenRequest{Name: "k"})
			if err == nil {
				t.Fatal("no error")
			}
			var apiErr *client.APIError
			if !asAPIError(err, &apiErr) || len(apiErr.Errors) != len(echoes)+1 {
				t.Fatalf("error = %v, want an APIError with every message", err)
			}
			out := describe(err) + logs.String()
			for _, m := range apiErr.Errors {
				out += m.Message + "\n"
			}
			checkNoSecret(t, out, secret)
			for i, f := range found {
				if strings.Contains(out, f) {
					t.Errorf("echo %q: its part %q, which encodes the secret, survived", echoes[i], f)
				}
			}
		})
	}
}

// idpTokens are the identity provider tokens the fakes issued to olivia, one per fake.
var idpTokens sync.Map

// idpTokenOf is an identity provider token the fake accepts for olivia, the same each time.
func idpTokenOf(t *testing.T, fake *vaulttest.Server) string {
	if tok, ok := idpTokens.Load(fake); ok {
		return tok.(string)
	}
	tok, err := fake.IdPToken(vaulttest.DefaultOAuthProfileID, olivia.Username, time.Hour)
	if err != nil {
		t.Error(err)
	}
	actual, _ := idpTokens.LoadOrStore(fake, tok)
	return actual.(string)
}

func asAPIError(err error, target **client.APIError) bool { return errors.As(err, target) }
