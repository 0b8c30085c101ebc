package pinhole

import (
	"errors"
	"fmt"
	"time"
)

// Error codes. Each maps to one HTTP status in the web package and nowhere
// else.
const (
	ECONFLICT     = "conflict"     // 409: the request clashes with current state
	EINTERNAL     = "internal"     // 500: a bug or a failed dependency
	EINVALID      = "invalid"      // 422: the input is wrong; the message says how
	ENOTFOUND     = "not_found"    // 404
	EUNAUTHORIZED = "unauthorized" // 401: no or bad credentials
	EFORBIDDEN    = "forbidden"    // 403: authenticated, but not allowed
	ETOOLARGE     = "too_large"    // 413: body or file over its limit
	ERATELIMITED  = "rate_limited" // 429: slow down; RetryAfter says how long
	EUNAVAILABLE  = "unavailable"  // 503: overloaded or draining; RetryAfter may say
	EBADREQUEST   = "bad_request"  // 400: malformed request (not a validation issue)
	EUNSUPPORTED  = "unsupported"  // 415: content type the endpoint does not take
)

// Error is Pinhole's one error type. Message is safe to show to the member;
// anything internal is wrapped inside an EINTERNAL error instead.
type Error struct {
	Code       string
	Message    string
	RetryAfter time.Duration // for ERATELIMITED and EUNAVAILABLE
}

func (e *Error) Error() string {
	return fmt.Sprintf("pinhole error: code=%s message=%s", e.Code, e.Message)
}

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code string, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL
// for any other non-nil error and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the member-facing message of err. Internal errors
// never leak their details.
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Message
	}
	return "Internal error."
}

// IsNotFound reports whether err carries ENOTFOUND.
func IsNotFound(err error) bool { return ErrorCode(err) == ENOTFOUND }
