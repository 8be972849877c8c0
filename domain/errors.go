package domain

import (
	"errors"
	"fmt"
)

// Code classifies an error for callers; the api package maps each code to
// one HTTP status.
type Code string

// Error codes.
const (
	CodeInvalid            Code = "invalid"             // the input is malformed or breaks a rule of its own
	CodeUnauthenticated    Code = "unauthenticated"     // no valid credentials
	CodeForbidden          Code = "forbidden"           // the caller may not do this
	CodeNotFound           Code = "not_found"           // no such object, or not visible to the caller
	CodeConflict           Code = "conflict"            // the object's state does not allow this now
	CodePreconditionFailed Code = "precondition_failed" // the caller's version (If-Match) is stale
	CodeUnprocessable      Code = "unprocessable"       // well-formed but refers to something unusable
	CodeTooManyRequests    Code = "too_many_requests"   // throttled
	CodeUnavailable        Code = "unavailable"         // a dependency (the database) is down
	CodeInternal           Code = "internal"            // a bug or an unexpected failure
)

// FieldError names one invalid field of an input and says why.
type FieldError struct {
	Field  string
	Detail string
	Line   int // for row imports: 1-based line of the input; 0 otherwise
}

// Error is the one error type the domain speaks. Message is safe to show to
// the caller; the wrapped error, if any, is for logs only.
type Error struct {
	Code    Code
	Message string
	Fields  []FieldError
	Err     error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with a formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid returns a validation error listing the offending fields.
func Invalid(message string, fields ...FieldError) *Error {
	return &Error{Code: CodeInvalid, Message: message, Fields: fields}
}

// Sentinel errors for the common cases; match them with errors.Is.
var (
	ErrNotFound = &Error{Code: CodeNotFound, Message: "not found"}
)

// ErrorCode returns the code of err, CodeInternal when err is not an *Error.
func ErrorCode(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}

// Is lets errors.Is(err, ErrNotFound) match any not-found *Error, whatever
// its message.
func (e *Error) Is(target error) bool {
	return target == ErrNotFound && e.Code == CodeNotFound
}

// StoredResponse is what a create made with an Idempotency-Key answered,
// kept so a retry gets it again: where the created resource is and its
// representation. How it is sent (a 201) is the API's business.
type StoredResponse struct {
	Location string
	Body     []byte
}
