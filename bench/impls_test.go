package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/ogen-go/ogen/ogenerrors"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	tracenoop "go.opentelemetry.io/otel/trace/noop"

	"github.com/acme/vault-token/bench/ogenclient"
	"github.com/acme/vault-token/client"
	"github.com/acme/vault-token/gen"
)

// The call every implementation makes: a token for user 12345 named tokenName, with the
// session held (the password variant of client logs in once, before timing).
const (
	userID    = "12345"
	tokenName = "bench token"
	clientID  = "acme-bench-server-tokenbot"
	version   = "v26.2"
)

// generateFunc makes the call once and returns the token's ID and value.
type generateFunc func(ctx context.Context) (id, token string, err error)

// impl builds one implementation's call against the Vault at dns through hc.
type impl struct {
	name string
	new  func(dns string, hc *http.Client) (generateFunc, error)
}

// impls are the implementations, the idiomatic floor first: report reads ratios against
// it. Each round runs them in another order (rotated).
var impls = []impl{
	{"floor", newFloor},
	{"minfloor", newMinFloor},
	{"client", func(dns string, hc *http.Client) (generateFunc, error) {
		return newClient(dns, hc, client.SessionID(session))
	}},
	{"gen", newGen},
	{"ogen", func(dns string, hc *http.Client) (generateFunc, error) { return newOgen(dns, hc) }},
	{"ogen-notel", func(dns string, hc *http.Client) (generateFunc, error) {
		return newOgen(dns, hc, ogenclient.WithTracerProvider(tracenoop.NewTracerProvider()),
			ogenclient.WithMeterProvider(metricnoop.NewMeterProvider()))
	}},
}

// newClient is package client with creds.
func newClient(dns string, hc *http.Client, creds client.Credentials) (generateFunc, error) {
	c, err := client.New(dns, client.WithHTTPClient(hc), client.WithCredentials(creds), client.WithClientID(clientID))
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context) (string, string, error) {
		tok, err := c.GenerateAPIAccessToken(ctx, userID, client.TokenRequest{Name: tokenName})
		if err != nil {
			return "", "", err
		}
		return tok.ID, tok.Value.Reveal(), nil
	}, nil
}

// floorReply is what the floor decodes: the fields a caller needs, nothing else.
type floorReply struct {
	ResponseStatus string `json:"responseStatus"`
	Data           struct {
		ID    string `json:"id"`
		Token string `json:"token__sys"`
	} `json:"data"`
}

// newFloor is a correct call written the idiomatic way with net/http: the URL built once,
// the form body from url.Values and the headers set with Header.Set on every call, the
// reply read and decoded once, the status checked.
func newFloor(dns string, hc *http.Client) (generateFunc, error) {
	target := "https://" + dns + "/api/" + version + "/objects/users/" + url.PathEscape(userID) + "/api_access_token__sys"
	return func(ctx context.Context) (string, string, error) {
		body := url.Values{"name__v": {tokenName}}.Encode()
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, strings.NewReader(body))
		if err != nil {
			return "", "", err
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Accept", "application/json")
		req.Header.Set("Authorization", session)
		req.Header.Set("X-VaultAPI-ClientID", clientID)
		return floorReplyOf(hc, req, -1)
	}, nil
}

// floorReplyOf sends req and reads the token from the reply, read whole, or up to limit
// bytes when limit is not negative (the bounded floor).
func floorReplyOf(hc *http.Client, req *http.Request, limit int64) (string, string, error) {
	res, err := hc.Do(req)
	if err != nil {
		return "", "", err
	}
	defer res.Body.Close()
	var body io.Reader = res.Body
	if limit >= 0 {
		body = io.LimitReader(res.Body, limit+1)
	}
	b, err := io.ReadAll(body)
	if err != nil {
		return "", "", err
	}
	if limit >= 0 && int64(len(b)) > limit {
		return "", "", fmt.Errorf("reply over %d bytes", limit)
	}
	var r floorReply
	if err := json.Unmarshal(b, &r); err != nil {
		return "", "", err
	}
	if res.StatusCode != http.StatusOK || r.ResponseStatus != "SUCCESS" {
		return "", "", fmt.Errorf("HTTP %d, %s", res.StatusCode, r.ResponseStatus)
	}
	return r.Data.ID, r.Data.Token, nil
}

// newMinFloor is the least a correct call costs with net/http: everything constant made
// once (the URL, the body, the header map with canonical names), the same reply checks.
func newMinFloor(dns string, hc *http.Client) (generateFunc, error) {
	target, err := url.Parse("https://" + dns + "/api/" + version + "/objects/users/" + url.PathEscape(userID) + "/api_access_token__sys")
	if err != nil {
		return nil, err
	}
	body := []byte(url.Values{"name__v": {tokenName}}.Encode())
	header := http.Header{
		"Content-Type":        {"application/x-www-form-urlencoded"},
		"Accept":              {"application/json"},
		"Authorization":       {session},
		"X-Vaultapi-Clientid": {clientID},
	}
	return func(ctx context.Context) (string, string, error) {
		req := (&http.Request{
			Method: http.MethodPost, URL: target, Header: header, Host: target.Host,
			Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
			Body: io.NopCloser(bytes.NewReader(body)), ContentLength: int64(len(body)),
		}).WithContext(ctx)
		return floorReplyOf(hc, req, -1)
	}, nil
}

// newBoundedFloor is the idiomatic floor reading at most 1 MiB of a reply, as package
// client does: the fair peer in the 1 GiB comparison.
func newBoundedFloor(dns string, hc *http.Client) (generateFunc, error) {
	target := "https://" + dns + "/api/" + version + "/objects/users/" + url.PathEscape(userID) + "/api_access_token__sys"
	return func(ctx context.Context) (string, string, error) {
		body := url.Values{"name__v": {tokenName}}.Encode()
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, strings.NewReader(body))
		if err != nil {
			return "", "", err
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Accept", "application/json")
		req.Header.Set("Authorization", session)
		req.Header.Set("X-VaultAPI-ClientID", clientID)
		return floorReplyOf(hc, req, 1<<20)
	}, nil
}

// newGen is the generated package alone, as a team would use it without package client.
func newGen(dns string, hc *http.Client) (generateFunc, error) {
	c, err := gen.NewClientWithResponses("https://"+dns+"/api/"+version+"/", gen.WithHTTPClient(hc),
		gen.WithRequestEditorFn(func(_ context.Context, req *http.Request) error {
			req.Header.Set("Authorization", session)
			req.Header.Set("Accept", "application/json")
			return nil
		}))
	if err != nil {
		return nil, err
	}
	id := clientID
	params := &gen.GenerateAPIAccessTokenParams{ClientID: &id}
	return func(ctx context.Context) (string, string, error) {
		res, err := c.GenerateAPIAccessTokenWithFormdataBodyWithResponse(ctx, userID, params, gen.TokenRequest{Name: tokenName})
		if err != nil {
			return "", "", err
		}
		if res.JSON200 == nil {
			return "", "", fmt.Errorf("HTTP %d: %.100s", res.StatusCode(), res.Body)
		}
		status, err := res.JSON200.Discriminator()
		if err != nil {
			return "", "", err
		}
		if status != string(gen.ResponseStatusSUCCESS) {
			return "", "", fmt.Errorf("reply %q: %.100s", status, res.Body)
		}
		r, err := res.JSON200.AsTokenSuccess()
		if err != nil {
			return "", "", err
		}
		return r.Data.ID, r.Data.Token, nil
	}, nil
}

// ogenSession is ogen's security source for vault-api.yaml: the session for the sessionId
// scheme, the bearer token skipped.
type ogenSession struct{}

func (ogenSession) SessionId(context.Context, ogenclient.OperationName) (ogenclient.SessionId, error) {
	return ogenclient.SessionId{APIKey: session}, nil
}

func (ogenSession) BearerToken(context.Context, ogenclient.OperationName) (ogenclient.BearerToken, error) {
	return ogenclient.BearerToken{}, ogenerrors.ErrSkipClientSecurity
}

// newOgen is the client ogen generates from the same spec, with its defaults (OpenTelemetry
// hooks on the global providers) unless opts say otherwise.
func newOgen(dns string, hc *http.Client, opts ...ogenclient.ClientOption) (generateFunc, error) {
	c, err := ogenclient.NewClient("https://"+dns+"/api/"+version, ogenSession{}, append([]ogenclient.ClientOption{ogenclient.WithClient(hc)}, opts...)...)
	if err != nil {
		return nil, err
	}
	params := ogenclient.GenerateApiAccessTokenParams{UserID: userID, XVaultAPIClientID: ogenclient.NewOptString(clientID)}
	return func(ctx context.Context) (string, string, error) {
		res, err := c.GenerateApiAccessToken(ctx, &ogenclient.TokenRequest{NameV: tokenName}, params)
		if err != nil {
			return "", "", err
		}
		if res == nil || !res.Response.IsTokenSuccess() {
			return "", "", fmt.Errorf("reply %+v", res)
		}
		return res.Response.TokenSuccess.Data.ID, res.Response.TokenSuccess.Data.TokenSys, nil
	}, nil
}

// errNotSame is a token other than the canned one.
var errNotSame = errors.New("not the canned token")

// check makes one call and fails unless it returns the canned token.
func check(ctx context.Context, f generateFunc) error {
	id, tok, err := f(ctx)
	if err != nil {
		return err
	}
	if id != cannedID || tok != cannedToken {
		return fmt.Errorf("%w: got %q, %q", errNotSame, id, tok)
	}
	return nil
}
