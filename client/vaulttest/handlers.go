package vaulttest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/acme/vault-token/openapi"
)

type message struct {
	Type    string `json:"type"`
	Message string `json:"message"`
}

func failure(typ, text string) map[string]any {
	return map[string]any{"responseStatus": "FAILURE", "errors": []message{{typ, text}}}
}

// answer carries out a call on the fake's state and writes Vault's reply into rw. fault is
// the injected fault that changes what Vault does (the others change what reaches the
// client, and ServeHTTP applies them).
func (s *Server) answer(rw *reply, r *http.Request, rt route, body []byte, f Fault) {
	fault := f.Kind
	s.mu.Lock()
	now := s.now()
	rw.header.Set("X-VaultAPI-ExecutionId", executionID())
	rw.header.Set("X-VaultAPI-VaultId", strconv.Itoa(VaultID))
	delay := s.countBurst(rw.header, now, fault == OverBurstLimit)
	if fault == SessionEnded && !isLogin(rt.op) {
		delete(s.sessions, bearer(r))
	}
	var result map[string]any
	switch fault {
	case OverLoginLimit:
		fields, _ := formFields(r, body)
		result = loginFailure(s.loginUser(r, fields), "API_LIMIT_EXCEEDED", loginLimitMessage)
	case Failure:
		result = failure(f.ErrorType, f.Message)
		if f.Exception {
			result["responseStatus"] = "EXCEPTION"
		}
	default:
		result = s.dispatch(rw.header, r, rt, body, now)
	}
	if id, ok := result["sessionId"].(string); ok && fault == SessionEnded {
		delete(s.sessions, id)
	}
	s.mu.Unlock()
	pause(r.Context(), delay, nil)
	rw.json(http.StatusOK, result)
}

func executionID() string {
	h := randomHex(16)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// countBurst counts the call against the 5-minute burst window and returns how long to
// hold the reply back; over treats the call as past the limit whatever the count.
func (s *Server) countBurst(h http.Header, now time.Time, over bool) time.Duration {
	if now.Sub(s.burstStart) >= burstWindow {
		s.burstStart, s.burstUsed = now, 0
	}
	s.burstUsed++
	h.Set("X-VaultAPI-BurstLimit", strconv.Itoa(s.cfg.BurstLimit))
	h.Set("X-VaultAPI-BurstLimitRemaining", strconv.Itoa(max(0, s.cfg.BurstLimit-s.burstUsed)))
	if s.burstUsed <= s.cfg.BurstLimit && !over {
		return 0
	}
	h.Set("X-VaultAPI-ResponseDelay", strconv.FormatInt(s.cfg.BurstDelay.Milliseconds(), 10))
	return s.cfg.BurstDelay
}

func (s *Server) dispatch(h http.Header, r *http.Request, rt route, body []byte, now time.Time) map[string]any {
	if rt.version != "" && !s.listsVersion(rt.version) {
		return failure("MALFORMED_URL", fmt.Sprintf("API version %s is not supported.", rt.version))
	}
	fields, problem := formFields(r, body)
	if problem != "" {
		return failure("INVALID_DATA", problem)
	}
	switch rt.op {
	case openapi.OpDiscoverAuthType:
		return s.discover(r.URL.Query().Get("username"))
	case openapi.OpAuthenticate:
		return s.login(fields, now)
	case openapi.OpAuthenticateOAuth:
		return s.oauthLogin(r, rt.params["oath_oidc_profile_id"], fields, now)
	}
	caller, vault, ok := s.caller(r, now)
	if !ok {
		return failure("INVALID_SESSION_ID", "Invalid or expired session ID.")
	}
	// Vault documents the header as "returned for all requests which include a
	// SESSION_ID": a call made with an API access token gets none.
	if _, viaSession := s.sessions[bearer(r)]; viaSession {
		h.Set("X-VaultAPI-UserId", strconv.FormatInt(caller.ID, 10))
	}
	switch rt.op {
	case openapi.OpEndSession:
		return s.endSession(r)
	case openapi.OpValidateSessionUser:
		return map[string]any{"responseStatus": "SUCCESS", "users": []map[string]any{
			{"user": map[string]any{"id": caller.ID, "user_name__v": caller.Username}},
		}}
	case openapi.OpQueryAPIAccessTokens:
		return s.query(caller, vault, rt.version, fields.Get("q"), now)
	case openapi.OpQueryAPIAccessTokensPage:
		return s.queryPage(caller, rt.params["query_id"], r.URL.Query())
	case openapi.OpDeleteAPIAccessTokens:
		return s.deleteTokens(caller, vault, rt.version, body, now)
	case openapi.OpRetrieveAPIVersions:
		return s.versionList()
	case openapi.OpGenerateAPIAccessToken:
		return s.issueForUser(caller, rt.params["user_id"], vault, fields, now)
	case openapi.OpGenerateMyAPIAccessToken:
		return s.issue(caller, vault, fields, now)
	case openapi.OpGenerateSandboxAPIAccessToken:
		return s.issueInSandbox(caller, rt.params["sandbox_name"], vault, fields, now)
	}
	return failure("METHOD_NOT_SUPPORTED", "Unsupported operation.")
}

// endSession ends the caller's session; an API access token is no session to end.
func (s *Server) endSession(r *http.Request) map[string]any {
	if _, viaSession := s.sessions[bearer(r)]; !viaSession {
		return failure("INVALID_SESSION_ID", "End Session takes a session ID, not an API access token.")
	}
	delete(s.sessions, bearer(r))
	return map[string]any{"responseStatus": "SUCCESS"}
}

func (s *Server) versionList() map[string]any {
	values := map[string]string{}
	for _, v := range s.cfg.Versions {
		values[v] = "https://" + s.DNS + "/api/" + v
	}
	return map[string]any{"responseStatus": "SUCCESS", "values": values}
}

// issueForUser makes a token for the user by ID: the caller's own, or anyone's for an
// administrator.
func (s *Server) issueForUser(caller User, userID, vault string, fields url.Values, now time.Time) map[string]any {
	id, err := strconv.ParseInt(userID, 10, 64)
	target, found := s.user(id)
	if err != nil || !found {
		return failure("INVALID_DATA", "Invalid user ID ["+userID+"].")
	}
	if target.ID != caller.ID && !caller.Admin {
		return failure("INSUFFICIENT_ACCESS", "User does not have sufficient privileges to perform the action.")
	}
	return s.issue(target, vault, fields, now)
}

// issueInSandbox makes the caller a token in the sandbox named, asked on the production Vault.
func (s *Server) issueInSandbox(caller User, name, vault string, fields url.Values, now time.Time) map[string]any {
	if vault != "" {
		return failure("OPERATION_NOT_ALLOWED", "Sandbox tokens are generated on the production Vault.")
	}
	if !s.hasSandbox(name) {
		return failure("INVALID_DATA", "Sandbox ["+name+"] not found.")
	}
	return s.issue(caller, name, fields, now)
}

func (s *Server) listsVersion(v string) bool {
	for _, l := range s.cfg.Versions {
		if l == v {
			return true
		}
	}
	return false
}

func (s *Server) hasSandbox(name string) bool {
	for _, n := range s.cfg.Sandboxes {
		if n == name {
			return true
		}
	}
	return false
}

func (s *Server) user(id int64) (User, bool) {
	for _, u := range s.cfg.Users {
		if u.ID == id {
			return u, true
		}
	}
	return User{}, false
}

// bearer is the session ID or token a request authenticates with, raw or after "Bearer ".
func bearer(r *http.Request) string {
	return strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
}

// caller authenticates a call: a session ID (raw or after "Bearer ") or an active token.
// vault is the Vault the credential belongs to: "" for this one, or a sandbox's name for a
// token made for that sandbox, which authenticates in the sandbox's own Vault (where its
// tokens are listed and revoked). The fake serves every Vault from one address.
func (s *Server) caller(r *http.Request, now time.Time) (u User, vault string, ok bool) {
	v := bearer(r)
	if v == "" {
		return User{}, "", false
	}
	if sess, found := s.sessions[v]; found {
		if sess.elsewhere || now.Sub(sess.lastUsed) > s.cfg.SessionIdleTimeout || now.Sub(sess.created) > sessionMaxAge {
			delete(s.sessions, v)
			return User{}, "", false
		}
		sess.lastUsed = now
		u, ok = s.user(sess.userID)
		return u, "", ok
	}
	for i := range s.tokens {
		if tok := &s.tokens[i]; tok.Value == v && tok.Active(now) {
			tok.LastUsed = now
			u, ok = s.user(tok.UserID)
			return u, tok.Sandbox, ok
		}
	}
	return User{}, "", false
}

const loginLimitMessage = "You have exceeded the maximum number of authentication API calls allowed in a minute."

// loginFailure is Vault's reply to a refused login.
func loginFailure(username, typ, text string) map[string]any {
	m := failure(typ, text)
	m["errorType"] = "AUTHENTICATION_FAILED"
	if username != "" {
		m["responseMessage"] = "Authentication failed for user: " + username
	}
	return m
}

func (s *Server) login(f url.Values, now time.Time) map[string]any {
	name := f.Get("username")
	fail := func(typ, text string) map[string]any { return loginFailure(name, typ, text) }
	if !s.countLogin(name, now) {
		return fail("API_LIMIT_EXCEEDED", loginLimitMessage)
	}
	if f.Get("password") == "" {
		return fail("NO_PASSWORD_PROVIDED", "No password was provided for the login call.")
	}
	for _, u := range s.cfg.Users {
		if u.Username == name && u.Password == f.Get("password") && !u.SSO {
			return s.sessionReply(u)
		}
	}
	return fail("USERNAME_OR_PASSWORD_INCORRECT", "Authentication failed for user: "+name+".")
}

// discover answers Authentication Type Discovery: "sso" with the Vault's OAuth profiles
// for an SSO user, "password" for anyone else. (Vault's answer for a user name it does not
// know is not documented; the fake does not tell users apart from strangers.)
func (s *Server) discover(username string) map[string]any {
	for _, u := range s.cfg.Users {
		if u.Username == username && u.SSO {
			profiles := []map[string]any{}
			for _, p := range s.cfg.OAuthProfiles {
				profiles = append(profiles, map[string]any{
					"id": p.ID, "label": p.ID, "description": "",
					"vault_session_endpoint": "https://" + s.DNS + "/auth/oauth/session/" + url.PathEscape(p.ID),
				})
			}
			return map[string]any{"responseStatus": "SUCCESS", "data": map[string]any{"auth_type": "sso", "auth_profiles": profiles}}
		}
	}
	return map[string]any{"responseStatus": "SUCCESS", "errors": []any{}, "data": map[string]any{"auth_type": "password"}}
}

// countLogin counts a login for the user against the per-minute login limit, and reports
// whether it is within it.
func (s *Server) countLogin(username string, now time.Time) bool {
	w := s.logins[username]
	if w == nil || now.Sub(w.start) >= loginWindow {
		w = &loginWindowState{start: now}
		s.logins[username] = w
	}
	w.count++
	return w.count <= s.cfg.LoginLimit
}

// sessionReply opens a session for u and answers the login, for this Vault or, for a user
// who DefaultsElsewhere, another (auth defaulting).
func (s *Server) sessionReply(u User) map[string]any {
	vault := map[string]any{"id": VaultID, "name": "PromoMats", "url": "https://" + s.DNS + "/api"}
	id := s.newSession(u.ID)
	if u.DefaultsElsewhere {
		s.sessions[id].elsewhere = true
		vault = map[string]any{"id": OtherVaultID, "name": "Other Vault", "url": "https://" + OtherVaultDNS + "/api"}
	}
	return map[string]any{
		"responseStatus": "SUCCESS", "sessionId": id, "userId": u.ID,
		"vaultIds": []any{vault}, "vaultId": vault["id"],
	}
}

var expiryPattern = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}Z)?$`)

// issue creates a token, after the checks Vault makes.
func (s *Server) issue(u User, sandbox string, f url.Values, now time.Time) map[string]any {
	name := f.Get("name__v")
	if strings.TrimSpace(name) == "" {
		return failure("PARAMETER_REQUIRED", "Missing required parameter [name__v].")
	}
	var expireAt time.Time
	if e := f.Get("expiry_date__v"); e != "" {
		var err error
		if !expiryPattern.MatchString(e) {
			return failure("INVALID_DATA", "Invalid value for [expiry_date__v]: expected YYYY-MM-DDTHH:MM:SSZ.")
		}
		if len(e) == len(time.DateOnly) {
			// 23:59:59 in the user's time zone; the fake's users live in UTC.
			expireAt, err = time.Parse(time.DateOnly, e)
			expireAt = expireAt.Add(24*time.Hour - time.Second)
		} else {
			expireAt, err = time.Parse(time.RFC3339, e)
		}
		if err != nil || !expireAt.After(now) {
			return failure("INVALID_DATA", "Invalid value for [expiry_date__v]: the date must be in the future.")
		}
	}
	if u.VeevaID {
		return failure("OPERATION_NOT_ALLOWED", "API access tokens cannot be generated for VeevaID users.")
	}
	active := 0
	for _, t := range s.tokens {
		if t.UserID == u.ID && t.Sandbox == sandbox && t.Active(now) {
			active++
		}
	}
	if active >= openapi.MaxActiveTokens {
		return failure("OPERATION_NOT_ALLOWED", fmt.Sprintf("User already has the maximum of %d active API access tokens.", openapi.MaxActiveTokens))
	}
	s.nextToken++
	tok := Token{
		ID: fmt.Sprintf("0PI%012X", s.nextToken), Name: name, Value: "veeva-vault-" + randomHex(16),
		UserID: u.ID, Sandbox: sandbox, Expiry: f.Get("expiry_date__v"), Created: now, expireAt: expireAt,
	}
	s.tokens = append(s.tokens, tok)
	return map[string]any{"responseStatus": "SUCCESS", "data": map[string]string{"id": tok.ID, "token__sys": tok.Value}}
}

// formFields reads a form or JSON body into one shape; another content type carries no
// fields Vault would read. problem says why a body cannot be read, for the fake to refuse
// it rather than guess what Vault would make of it: a form that does not decode, or a JSON
// field whose value is not text (every field of these calls is text).
func formFields(r *http.Request, body []byte) (fields url.Values, problem string) {
	ct := r.Header.Get("Content-Type")
	switch {
	case strings.HasPrefix(ct, "application/json"):
		var m map[string]any
		out := url.Values{}
		if json.Unmarshal(body, &m) == nil {
			for k, v := range m {
				s, ok := v.(string)
				if !ok {
					problem = "Invalid value for [" + k + "]: expected text."
				}
				out.Set(k, s)
			}
		}
		return out, problem
	case strings.HasPrefix(ct, "application/x-www-form-urlencoded"):
		f, err := url.ParseQuery(string(body))
		if err != nil {
			return url.Values{}, "The request body is not a valid form."
		}
		return f, ""
	}
	return url.Values{}, ""
}
