package api

import (
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/cst-firenze/helpdesk/domain"
)

// listParams reads the query of a list route. It collects every problem as
// a field error, so that a client learns them all from one answer.
type listParams struct {
	s    *Server
	q    url.Values
	errs []domain.FieldError
}

// listParams starts reading a list query; a parameter not in known is a
// problem of its own.
func (s *Server) listParams(c *gin.Context, known map[string]bool) *listParams {
	l := &listParams{s: s, q: c.Request.URL.Query()}
	for k := range l.q {
		if !known[k] {
			l.bad(k, "is not a known parameter")
		}
	}
	return l
}

func (l *listParams) bad(field, detail string) {
	l.errs = append(l.errs, domain.FieldError{Field: field, Detail: detail})
}

// err returns the problems found, if any.
func (l *listParams) err() error {
	if len(l.errs) > 0 {
		return domain.Invalid("some query parameters are not valid", l.errs...)
	}
	return nil
}

// enumList reads a comma-separated list whose items must be valid.
func enumList[T ~string](l *listParams, name string, valid func(T) bool, detail string) []T {
	v := l.q.Get(name)
	if v == "" {
		return nil
	}
	var out []T
	for _, item := range strings.Split(v, ",") {
		if !valid(T(item)) {
			l.bad(name, detail)
			break
		}
		out = append(out, T(item))
	}
	return out
}

// userID reads a user id, or "me" for the caller.
func (l *listParams) userID(name string, me int64) *int64 {
	v := l.q.Get(name)
	if v == "" {
		return nil
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if v == "me" {
		id, err = me, nil
	}
	if err != nil || id < 1 {
		l.bad(name, "must be a user id or me")
	}
	return &id
}

// instant reads an RFC 3339 instant or a date (midnight in Rome).
func (l *listParams) instant(name string) *time.Time {
	v := l.q.Get(name)
	if v == "" {
		return nil
	}
	t, err := l.s.parseTime(name, v)
	if err != nil {
		l.bad(name, "must be an RFC 3339 instant or a YYYY-MM-DD date")
		return nil
	}
	return &t
}

// ascending reads sort=field (oldest first) or sort=-field (newest first,
// the default).
func (l *listParams) ascending(field string) bool {
	switch l.q.Get("sort") {
	case "", "-" + field:
		return false
	case field:
		return true
	}
	l.bad("sort", "must be "+field+" or -"+field)
	return false
}

// limit reads the page size: 25 by default, capped at 100.
func (l *listParams) limit() int {
	v := l.q.Get("limit")
	if v == "" {
		return 25
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		l.bad("limit", "must be a whole number from 1 to 100")
	}
	return min(n, 100)
}
