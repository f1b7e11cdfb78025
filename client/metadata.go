package client

import (
	"net/http"
	"strconv"
	"time"
)

// Response is the metadata Vault sends with every reply. Every result and every error
// built from a reply carries one.
type Response struct {
	HTTPStatus  int
	ExecutionID string // X-VaultAPI-ExecutionId: quote it to Veeva support
	// BurstLimit and BurstLimitRemaining are the calls allowed and left in the current
	// 5-minute window; -1 when Vault did not send the header.
	BurstLimit          int
	BurstLimitRemaining int
	// ResponseDelay is how long Vault held the reply back because the burst limit was
	// exceeded (X-VaultAPI-ResponseDelay); 0 when it did not.
	ResponseDelay time.Duration
	VaultID       string // X-VaultAPI-VaultId
	UserID        string // X-VaultAPI-UserId, on calls made with a session
	// Warnings are set when Vault answered WARNING: the call was carried out, with
	// something to know.
	Warnings []Message
}

// Header names as Vault documents them, in their canonical form (X-Vaultapi-Executionid),
// which is how net/http keys a reply's headers whatever case they arrived in. headerValue
// reads them from the map directly: Header.Get would check and canonicalize the name again
// on every reply.
var (
	headerExecutionID    = http.CanonicalHeaderKey("X-VaultAPI-ExecutionId")
	headerBurstLimit     = http.CanonicalHeaderKey("X-VaultAPI-BurstLimit")
	headerBurstRemaining = http.CanonicalHeaderKey("X-VaultAPI-BurstLimitRemaining")
	headerResponseDelay  = http.CanonicalHeaderKey("X-VaultAPI-ResponseDelay")
	headerVaultID        = http.CanonicalHeaderKey("X-VaultAPI-VaultId")
	headerUserID         = http.CanonicalHeaderKey("X-VaultAPI-UserId")
	headerContentType    = http.CanonicalHeaderKey("Content-Type")
)

// headerValue is h.Get(name) for a name already in canonical form.
func headerValue(h http.Header, name string) string {
	if v := h[name]; len(v) > 0 {
		return v[0]
	}
	return ""
}

func headerInt(h http.Header, name string) int {
	v := headerValue(h, name)
	if v == "" { // the common case for a delay: no strconv error to build
		return -1
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return -1
	}
	return n
}

// executionSuffix ends an error message with the execution ID to quote to support.
func (r Response) executionSuffix() string {
	if r.ExecutionID == "" {
		return ""
	}
	return " (execution ID " + r.ExecutionID + ")"
}
