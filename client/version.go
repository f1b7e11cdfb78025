package client

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/acme/vault-token/gen/genversions"
	"github.com/acme/vault-token/openapi"
)

// MinTokenAPIVersion is the oldest API version the client sends token requests with.
// The docs show the token endpoints for v26.2 and do not say which version brought them
// (unconfirmed): lower it here once Veeva confirms an older one.
const MinTokenAPIVersion = "v26.2"

// versionPattern is Vault's vYY.N, without leading zeros: "v01.2" would be sent as a path
// segment no Vault lists.
var versionPattern = lazyRegexp(`^v(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]?)$`)

type apiVersion struct{ major, minor int }

func parseVersion(op, s string) (apiVersion, error) {
	m := versionPattern().FindStringSubmatch(s)
	if m == nil {
		return apiVersion{}, badInput(op, "API version", fmt.Sprintf(`%q does not look like "v26.2"`, s))
	}
	major, _ := strconv.Atoi(m[1])
	minor, _ := strconv.Atoi(m[2])
	return apiVersion{major, minor}, nil
}

func (v apiVersion) compare(o apiVersion) int {
	if v.major != o.major {
		return v.major - o.major
	}
	return v.minor - o.minor
}

// compareVersions orders version strings numerically (v26.10 after v26.9); it expects
// strings parseVersion accepts.
func compareVersions(a, b string) int {
	va, _ := parseVersion("", a)
	vb, _ := parseVersion("", b)
	return va.compare(vb)
}

// VersionList is the reply of GET /api/: the versions a Vault supports.
type VersionList struct {
	Versions []string // oldest first, ordered numerically
	Response Response
}

// Latest returns the newest version. The newest listed may be the Beta version; it is
// returned only when beta is true, otherwise the one before it is.
func (l *VersionList) Latest(beta bool) (string, bool) {
	n := len(l.Versions)
	switch {
	case beta && n > 0:
		return l.Versions[n-1], true
	case !beta && n > 1:
		return l.Versions[n-2], true
	}
	return "", false
}

// Supports reports whether v is listed.
func (l *VersionList) Supports(v string) bool { return slices.Contains(l.Versions, v) }

// APIVersions lists the API versions the Vault supports (GET /api/). Each call asks the
// Vault; the client's own version choice ([WithAPIVersionCheck], [WithLatestAPIVersion])
// asks at most once.
//
// Vault API reference: https://limited.veevavault.dev/vault-api/api-reference/26.2/authentication/retrieve-api-versions/
func (c *Client) APIVersions(ctx context.Context) (*VersionList, error) {
	var reply versionsReply
	meta, err := c.authedExchange(ctx, call{op: openapi.OpRetrieveAPIVersions, build: func() (*http.Request, error) {
		return genversions.NewRetrieveAPIVersionsRequest("https://"+c.dns+"/api/", &genversions.RetrieveAPIVersionsParams{ClientID: c.clientID()})
	}}, &reply)
	if err != nil {
		return nil, err
	}
	list := &VersionList{Response: meta}
	for v := range deref(reply.Values) {
		// Keys that are not versions are left out rather than failing the call: the
		// list is informational and Vault may add entries.
		if _, err := parseVersion(openapi.OpRetrieveAPIVersions, v); err == nil {
			list.Versions = append(list.Versions, v)
		}
	}
	slices.SortFunc(list.Versions, compareVersions)
	return list, nil
}

// tokenAPI is the API version of the token calls, and its server URL (the base the
// generated builders join their paths to).
type tokenAPI struct{ version, server string }

// tokenAPI returns the token calls' API version: the pinned one, or the one chosen from
// the Vault's list. The list is asked for once per client, by one call at a time
// with the others waiting for its outcome; once it has been read, the choice is made from
// it without another call, so an unsupported version fails at once every time. A valid
// version, pinned or chosen, is checked once and then only read. op is the call that
// needs it, which an error names. The server URL is made once, with the choice.
func (c *Client) tokenAPI(ctx context.Context, op string) (tokenAPI, error) {
	if api := c.tokenAPIChosen.Load(); api != nil {
		return *api, nil
	}
	v, err := c.chooseTokenVersion(ctx, op)
	if err != nil {
		return tokenAPI{}, err
	}
	api := tokenAPI{version: v, server: c.serverURL(v)}
	c.tokenAPIChosen.Store(&api)
	return api, nil
}

func (c *Client) chooseTokenVersion(ctx context.Context, op string) (string, error) {
	s := c.settings
	if !s.latest && !s.checkVersion {
		return s.version, checkTokenVersion(op, s.version)
	}
	list, err := c.versions.get(ctx, func(*VersionList) bool { return true })
	if err != nil {
		return "", err
	}
	// What follows is learned from the Vault's list, not refused input: no InputError.
	listed := strings.Join(list.Versions, ", ")
	if s.latest {
		v, ok := list.Latest(s.beta)
		if !ok {
			return "", errorMatching(op, ErrUnsupportedVersion, "the Vault lists no version to choose (it lists %q)", listed)
		}
		if tooOld(v) {
			return "", errorMatching(op, ErrUnsupportedVersion, "the latest version %s lists is %s, older than %s, the first version documented with API access tokens",
				c.dns, v, MinTokenAPIVersion)
		}
		return v, nil
	}
	if !list.Supports(s.version) {
		return "", errorMatching(op, ErrUnsupportedVersion, "%s is not supported by %s (it lists %s)", s.version, c.dns, listed)
	}
	return s.version, checkTokenVersion(op, s.version)
}

// checkTokenVersion refuses a version given to the client that is too old for the token
// calls, before anything is sent.
func checkTokenVersion(op, v string) error {
	if tooOld(v) {
		in := badInput(op, "API version", fmt.Sprintf("%s is older than %s, the first version documented with API access tokens", v, MinTokenAPIVersion))
		in.Err = ErrUnsupportedVersion
		return in
	}
	return nil
}

func tooOld(v string) bool { return compareVersions(v, MinTokenAPIVersion) < 0 }
