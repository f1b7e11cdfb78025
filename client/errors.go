package client

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/acme/vault-token/openapi"
)

// ErrorType is a Vault error type, such as INVALID_SESSION_ID. The constants below are
// sentinels: errors.Is(err, client.ErrorTypeInvalidSessionID) reports whether Vault refused a call
// with that type. Vault adds types over time; a type without a constant still matches
// with errors.Is(err, client.ErrorType("NEW_TYPE")).
type ErrorType string

// Error returns the type as Vault writes it, so that a type prints the same as a sentinel
// and inside an APIError's message.
func (t ErrorType) Error() string { return string(t) }

// Error types documented for v26.2.
const (
	ErrorTypeUnexpectedError             ErrorType = "UNEXPECTED_ERROR"
	ErrorTypeMalformedURL                ErrorType = "MALFORMED_URL"
	ErrorTypeMethodNotSupported          ErrorType = "METHOD_NOT_SUPPORTED"
	ErrorTypeInactiveUser                ErrorType = "INACTIVE_USER"
	ErrorTypeNoPasswordProvided          ErrorType = "NO_PASSWORD_PROVIDED"
	ErrorTypeUsernameOrPasswordIncorrect ErrorType = "USERNAME_OR_PASSWORD_INCORRECT"
	ErrorTypeUserLockedOut               ErrorType = "USER_LOCKED_OUT"
	ErrorTypePasswordChangeRequired      ErrorType = "PASSWORD_CHANGE_REQUIRED"
	ErrorTypeInvalidSessionID            ErrorType = "INVALID_SESSION_ID"
	ErrorTypeParameterRequired           ErrorType = "PARAMETER_REQUIRED"
	ErrorTypeInvalidData                 ErrorType = "INVALID_DATA"
	ErrorTypeInsufficientAccess          ErrorType = "INSUFFICIENT_ACCESS"
	ErrorTypeOperationNotAllowed         ErrorType = "OPERATION_NOT_ALLOWED"
	ErrorTypeAttributeNotSupported       ErrorType = "ATTRIBUTE_NOT_SUPPORTED"
	ErrorTypeInvalidFilter               ErrorType = "INVALID_FILTER"
	ErrorTypeIncorrectQuerySyntaxError   ErrorType = "INCORRECT_QUERY_SYNTAX_ERROR"
	ErrorTypeRaceCondition               ErrorType = "RACE_CONDITION"
	ErrorTypeExceedsFileMaxSize          ErrorType = "EXCEEDS_FILE_MAX_SIZE"
	ErrorTypeAPILimitExceeded            ErrorType = "API_LIMIT_EXCEEDED"
	ErrorTypeConfigurationModeEnabled    ErrorType = "CONFIGURATION_MODE_ENABLED"
	ErrorTypeSDKError                    ErrorType = "SDK_ERROR"
	ErrorTypeOperationInProgress         ErrorType = "OPERATION_IN_PROGRESS"
	ErrorTypeItemNameExists              ErrorType = "ITEM_NAME_EXISTS"
	ErrorTypeUserNotFound                ErrorType = "USER_NOT_FOUND"
	ErrorTypeFederatedIDAlreadyExists    ErrorType = "FEDERATED_ID_ALREADY_EXISTS"
)

// Error types OAuth logins return in practice, though Vault's list does not name them, and
// the errorType of a failed login.
const (
	ErrorTypeAuthenticationFailed ErrorType = "AUTHENTICATION_FAILED" // APIError.ErrorType of a refused login
	ErrorTypeInvalidToken         ErrorType = "INVALID_TOKEN"         // the identity provider's token is not one Vault accepts
	ErrorTypeExpiredToken         ErrorType = "EXPIRED_TOKEN"         // the identity provider's token has expired: refresh it
)

// Message is one entry of a reply's errors or warnings.
type Message struct {
	Type    ErrorType
	Message string
}

// APIError is a reply Vault processed and refused: responseStatus FAILURE or EXCEPTION
// (with HTTP 200, as Vault answers). Vault did not carry out the call.
type APIError struct {
	Op              string    // the operation, such as openapi.OpGenerateAPIAccessToken
	HTTPStatus      int       // 200 for every reply Vault itself sends
	Status          string    // responseStatus: FAILURE or EXCEPTION
	Errors          []Message // every {type, message}, in Vault's order (the first 100)
	ErrorType       ErrorType // errorType, set on failed logins (ErrorTypeAuthenticationFailed)
	ResponseMessage string    // responseMessage, when Vault sends one
	Response        Response  // the reply's metadata: quote Response.ExecutionID to support
}

// printedMessages bounds the errors an APIError's message lists; Errors has them all.
const printedMessages = 5

func (e *APIError) Error() string     { return message(e.Op, e.detail()) }
func (e *APIError) operation() string { return e.Op }

func (e *APIError) detail() string {
	var b strings.Builder
	b.WriteString(e.Status)
	for i, m := range e.Errors {
		if i == printedMessages {
			fmt.Fprintf(&b, " (and %d more)", len(e.Errors)-i)
			break
		}
		fmt.Fprintf(&b, ": %s", m.Type)
		if m.Message != "" {
			fmt.Fprintf(&b, " (%s)", m.Message)
		}
	}
	if len(e.Errors) == 0 && e.ResponseMessage != "" {
		fmt.Fprintf(&b, ": %s", e.ResponseMessage)
	}
	if e.ErrorType != "" {
		fmt.Fprintf(&b, " [%s]", e.ErrorType)
	}
	return b.String() + e.Response.executionSuffix()
}

// Is matches ErrorType sentinels against every error type in the reply and its errorType.
func (e *APIError) Is(target error) bool {
	t, ok := target.(ErrorType)
	if !ok {
		return false
	}
	if e.ErrorType == t {
		return true
	}
	for _, m := range e.Errors {
		if m.Type == t {
			return true
		}
	}
	return false
}

// UnexpectedResponseError is a reply that is not a Vault JSON envelope: another HTTP
// status (often a proxy's HTML page), another content type, malformed or truncated JSON,
// or a body larger than the client accepts.
type UnexpectedResponseError struct {
	Op          string // the operation, such as openapi.OpGenerateAPIAccessToken
	HTTPStatus  int
	ContentType string
	Reason      string // what was wrong, in a few words
	Excerpt     string // the start of the body, sanitized and shortened; withheld if it held a credential
	Response    Response
	Err         error // a sentinel errors.Is finds, such as ErrTooManyPages; may be nil
}

// Unwrap returns Err.
func (e *UnexpectedResponseError) Unwrap() error { return e.Err }

// ErrUnsupportedVersion matches errors for an API version the Vault does not list, or
// one older than MinTokenAPIVersion. For a version the client was given, it is refused
// before anything is sent (an *InputError); for one learned from the Vault's list
// (WithAPIVersionCheck, WithLatestAPIVersion), it is not input, and ErrInvalidInput does
// not match it.
var ErrUnsupportedVersion = errors.New("vault: unsupported API version")

// ErrImplausibleListing matches a rotation refused because its listing holds more active
// tokens of the name than Vault lets a user hold: the listing did not come from Vault as
// documented, and revoking from it could revoke anything.
var ErrImplausibleListing = errors.New("vault: the listing holds more active tokens than Vault allows a user")

// errNotSentAgain is what a transport gets when it asks for a request's body again after the
// request may have left: net/http's HTTP/2 transport does on REFUSED_STREAM and GOAWAY.
var errNotSentAgain = errors.New("the transport asked to send the request again after it may have reached Vault; it was not sent again")

// errTooLarge is a reply larger than the client reads (WithMaxReplySize).
var errTooLarge = errors.New("reply too large")

// ErrTooManyPages matches the *UnexpectedResponseError of a token listing longer than the
// client reads (maxQueryPages pages, or more than maxListedTokens tokens): a filter that
// matches that much is not one to act on.
var ErrTooManyPages = errors.New("vault: the listing is longer than the client reads")

func (e *UnexpectedResponseError) Error() string     { return message(e.Op, e.detail()) }
func (e *UnexpectedResponseError) operation() string { return e.Op }

func (e *UnexpectedResponseError) detail() string {
	var b strings.Builder
	fmt.Fprintf(&b, "unexpected reply (HTTP %d", e.HTTPStatus)
	if e.ContentType != "" {
		fmt.Fprintf(&b, ", %s", e.ContentType)
	}
	fmt.Fprintf(&b, "): %s", e.Reason)
	if e.Excerpt != "" {
		fmt.Fprintf(&b, ": %q", e.Excerpt)
	}
	return b.String() + e.Response.executionSuffix()
}

// UnknownOutcomeError reports a call that changes Vault (a token request, a revoke, End
// Session) that may have reached Vault but whose outcome the client could not read: the
// connection failed or timed out after the request was sent, a transport wanted to send it
// again (HTTP/2 REFUSED_STREAM or GOAWAY, which the client does not take on trust), or the
// reply was not a readable Vault envelope. Such a call reaches the wire at most once: the
// client never sends it again, and does not let the transport do so.
//
// After a token request, a token may exist: Find is the filter that finds it (the tokens of
// that user with that name; in Sandbox's own Vault for a sandbox token). List them with
// ListAPIAccessTokens, revoke any you did not get, then try again: a user can hold 25.
// After a revoke, the tokens may or may not be revoked, and sending it again is safe.
type UnknownOutcomeError struct {
	Op      string       // the operation, such as openapi.OpGenerateAPIAccessToken
	Err     error        // what went wrong: a network error, a context error, an *UnexpectedResponseError
	Find    *TokenFilter // after a token request: what finds the token it may have created
	Sandbox string       // after a sandbox token request: the sandbox, whose own Vault holds it
}

func (e *UnknownOutcomeError) Error() string     { return message(e.Op, e.detail()) }
func (e *UnknownOutcomeError) operation() string { return e.Op }

func (e *UnknownOutcomeError) detail() string {
	what := "outcome unknown"
	switch {
	case e.Op == openapi.OpDeleteAPIAccessTokens:
		what += ", the tokens may or may not be revoked (sending the revoke again is safe)"
	case e.Op == openapi.OpEndSession:
		what += ", the session may or may not have ended"
	case e.Find != nil:
		where := ""
		if e.Sandbox != "" {
			where = " in the Vault of sandbox " + strconv.Quote(e.Sandbox)
		}
		what += fmt.Sprintf(", a token may have been created: before trying again, list the active tokens named %q%s (ListAPIAccessTokens with the error's Find)",
			e.Find.Name, where)
	}
	return what + ": " + describe(e.Err, e.Op)
}

func (e *UnknownOutcomeError) Unwrap() error { return e.Err }

// ErrInvalidInput matches every *InputError.
var ErrInvalidInput = errors.New("vault: invalid input")

// InputError is input the client refused before sending anything.
type InputError struct {
	Op     string // the call that refused it, such as openapi.OpGenerateAPIAccessToken, or OpNew for New
	Field  string // the argument or field, such as "sandbox name"
	Reason string
	Err    error // a more specific sentinel, such as ErrUnsupportedVersion; may be nil
}

func (e *InputError) Error() string     { return message(e.Op, e.detail()) }
func (e *InputError) operation() string { return e.Op }
func (e *InputError) detail() string    { return "invalid " + e.Field + ": " + e.Reason }

// Is lets errors.Is(err, ErrInvalidInput) match.
func (e *InputError) Is(target error) bool { return target == ErrInvalidInput }

func (e *InputError) Unwrap() error { return e.Err }

// ErrWrongVault matches a login that succeeded for another Vault than the one asked for:
// Vault's auth defaulting picks another Vault when the user cannot log in to the one
// named. The client refuses such a session.
var ErrWrongVault = errors.New("vault: login returned a session for another Vault")

// wrongVaultError is a session refused for auth defaulting.
type wrongVaultError struct{ op, why string }

func (e *wrongVaultError) Error() string        { return message(e.op, e.detail()) }
func (e *wrongVaultError) operation() string    { return e.op }
func (e *wrongVaultError) detail() string       { return "the session is for another Vault: " + e.why }
func (e *wrongVaultError) Is(target error) bool { return target == ErrWrongVault }

// vaultError is what every error type of this package is: it knows its operation and
// its message without the "vault: <operation>: " prefix, so that an error wrapping
// another of the package writes the prefix once.
type vaultError interface {
	error
	operation() string
	detail() string
}

// message is how an error of op prints: "vault: <operation>: <detail>".
func message(op, detail string) string {
	return "vault: " + opName(op) + ": " + detail
}

// describe is err as part of the detail of an error of op: an error of this package
// without its prefix (naming its operation when that is another), any other as it prints.
func describe(err error, op string) string {
	// Only err itself: an error of this package that another error wraps is part of that
	// error's text, which prints as it is.
	ve, ok := err.(vaultError) //nolint:errorlint // the error itself, not its chain
	if !ok {
		return err.Error()
	}
	if ve.operation() == op {
		return ve.detail()
	}
	return opName(ve.operation()) + ": " + ve.detail()
}

// opError is an error the client itself found while carrying out op.
type opError struct {
	op  string
	err error // fmt.Errorf's result: the detail, and what it wraps
}

func (e *opError) Error() string     { return message(e.op, e.err.Error()) }
func (e *opError) Unwrap() error     { return e.err }
func (e *opError) operation() string { return e.op }
func (e *opError) detail() string    { return e.err.Error() }

// errorf is fmt.Errorf (with %w) for an error of op. An argument that is an error of this
// package prints without its prefix.
func errorf(op, format string, args ...any) error {
	for i, a := range args {
		if err, ok := a.(vaultError); ok {
			args[i] = &nested{err, op}
		}
	}
	return &opError{op: op, err: fmt.Errorf(format, args...)}
}

// errorMatching is an error of op that errors.Is matches with sentinel, whose text is the
// formatted message alone (a sentinel's own text would repeat "vault: ").
func errorMatching(op string, sentinel error, format string, args ...any) error {
	return &opError{op: op, err: &matching{fmt.Errorf(format, args...), sentinel}}
}

type matching struct {
	err      error
	sentinel error
}

func (m *matching) Error() string   { return m.err.Error() }
func (m *matching) Unwrap() []error { return []error{m.err, m.sentinel} }

// nested is an error of this package inside another one's message.
type nested struct {
	err vaultError
	op  string // the wrapper's
}

func (n *nested) Error() string { return describe(n.err, n.op) }
func (n *nested) Unwrap() error { return n.err }

// badInput is the *InputError of op for field: the one way an input error is made.
func badInput(op, field, reason string) *InputError {
	return &InputError{Op: op, Field: field, Reason: reason}
}
