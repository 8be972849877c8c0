package app

import (
	"fmt"
	"time"

	"github.com/cst-firenze/helpdesk/domain"
)

// Clock is the source of "now" for every use case. A use case reads it
// once, so that all it records carries the same instant.
type Clock func() time.Time

// read returns the instant in UTC truncated to what databases keep.
func (c Clock) read() time.Time {
	if c == nil {
		return time.Now().UTC().Truncate(time.Microsecond)
	}
	return c().UTC().Truncate(time.Microsecond)
}

// backdateWindow is the configured back-dating window, or the default.
func backdateWindow(w time.Duration) time.Duration {
	if w <= 0 {
		return domain.DefaultBackdateWindow
	}
	return w
}

// AnyVersion asks a change to apply to whatever version is current (no
// If-Match from the client).
const AnyVersion = 0

// checkVersion fails with 412 when the version the caller read is stale.
func checkVersion(want, current int, what string) error {
	if want != AnyVersion && want != current {
		return domain.Errorf(domain.CodePreconditionFailed, "%s has changed since you read it (you have version %d, it is at %d); read it again", what, want, current)
	}
	return nil
}

// notFoundFor answers another ente's object as not found, so that its
// existence does not leak.
func notFoundFor(p domain.Principal, ente, kind string, id int64) error {
	if !p.SeesEnte(ente) {
		return domain.Errorf(domain.CodeNotFound, "%s %d not found", kind, id)
	}
	return nil
}

// EnteScope is the ente a list is restricted to: the one asked for, and
// for an ente user always their own; asking for another is forbidden. The
// API's lists and the pages both call it, so the rule lives in one place.
func EnteScope(p domain.Principal, requested, what string) (string, error) {
	if p.Role != domain.RoleEnte {
		return requested, nil
	}
	if requested != "" && requested != p.EnteCode {
		return "", domain.Errorf(domain.CodeForbidden, "an ente user can only list %s of their own ente", what)
	}
	return p.EnteCode, nil
}

// unknownEnte is the answer to a request naming an ente that does not exist.
func unknownEnte(code string) error {
	return &domain.Error{Code: domain.CodeUnprocessable, Message: fmt.Sprintf("there is no ente with code %q", code),
		Fields: []domain.FieldError{{Field: "ente", Detail: "is not a known ente code"}}}
}
