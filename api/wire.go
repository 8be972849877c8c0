package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/cst-firenze/helpdesk/domain"
)

// etag is a strong validator from an object's version.
func etag(version int) string { return `"` + strconv.Itoa(version) + `"` }

// ifMatch returns the version the client's If-Match names, or ok=false
// when the header is absent or "*": then the change applies to whatever
// version is current.
func ifMatch(c *gin.Context) (version int, ok bool, err error) {
	h := strings.TrimSpace(c.GetHeader("If-Match"))
	if h == "" || h == "*" {
		return 0, false, nil
	}
	// If-Match compares strongly (RFC 9110 §13.1.1): a weak tag never
	// matches, and neither does an unquoted one.
	inner, quoted := strings.CutPrefix(h, `"`)
	inner, closed := strings.CutSuffix(inner, `"`)
	v, perr := strconv.Atoi(inner)
	if !quoted || !closed || perr != nil || v < 1 {
		return 0, false, domain.Errorf(domain.CodePreconditionFailed, "If-Match %s matches no version; send the ETag of your last read", h)
	}
	return v, true, nil
}

// pathID parses an integer path parameter; a malformed one is simply not
// found.
func pathID(c *gin.Context, name string) (int64, error) {
	id, err := strconv.ParseInt(c.Param(name), 10, 64)
	if err != nil || id < 1 {
		return 0, domain.Errorf(domain.CodeNotFound, "%s %q not found", name, c.Param(name))
	}
	return id, nil
}

// idempotencyKey returns the client's Idempotency-Key, or "" when none.
func idempotencyKey(c *gin.Context) (string, error) {
	k := c.GetHeader("Idempotency-Key")
	if k == "" {
		return "", nil
	}
	if len(k) > 200 {
		return "", domain.Invalid("the Idempotency-Key header is too long", domain.FieldError{Field: "Idempotency-Key", Detail: "must be at most 200 characters"})
	}
	for _, r := range k {
		if r < 0x21 || r > 0x7e {
			return "", domain.Invalid("the Idempotency-Key header has characters that are not allowed", domain.FieldError{Field: "Idempotency-Key", Detail: "must be printable ASCII without spaces"})
		}
	}
	return k, nil
}

// created answers a create with 201: with an Idempotency-Key, create runs
// once and a retry replays the stored response; without one it just runs.
func (s *Server) created(c *gin.Context, body []byte, create func(ctx context.Context) (domain.StoredResponse, error)) {
	key, err := idempotencyKey(c)
	if err != nil {
		fail(c, err)
		return
	}
	var resp domain.StoredResponse
	if key == "" {
		resp, err = create(c.Request.Context())
	} else {
		p := mustPrincipal(c)
		h := sha256.Sum256(body)
		scope := strconv.FormatInt(p.UserID, 10) + " " + c.Request.Method + " " + c.FullPath()
		var replayed bool
		resp, replayed, err = s.store.Idempotent(c.Request.Context(), scope, key, hex.EncodeToString(h[:]), s.now(), create)
		if replayed {
			c.Header("Idempotent-Replayed", "true")
		}
	}
	if err != nil {
		fail(c, err)
		return
	}
	if resp.Location != "" {
		c.Header("Location", resp.Location)
	}
	c.Data(http.StatusCreated, "application/json; charset=utf-8", resp.Body)
}

// local shows instants in the centre's time zone, which is how Italian
// users read deadlines.
func (s *Server) local(t time.Time) time.Time { return t.In(s.rome) }

func (s *Server) localPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	l := s.local(*t)
	return &l
}

// parseTime accepts an RFC 3339 instant or a date (midnight, Rome time).
func (s *Server) parseTime(field, v string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t, nil
	}
	if t, err := time.ParseInLocation("2006-01-02", v, s.rome); err == nil {
		return t, nil
	}
	return time.Time{}, domain.Invalid("a parameter is not a valid time", domain.FieldError{Field: field, Detail: "must be an RFC 3339 instant or a YYYY-MM-DD date"})
}

func writeJSON(c *gin.Context, status int, version int, v any) {
	if version > 0 {
		c.Header("ETag", etag(version))
	}
	if t, ok := v.(ticketJSON); ok { // the ticket's own encoder, without gin's second pass
		if b, err := t.MarshalJSON(); err == nil {
			c.Data(status, jsonContentType, b)
			return
		}
	}
	c.JSON(status, v)
}

// jsonContentType is what gin's JSON renderer sends.
const jsonContentType = "application/json; charset=utf-8"

// byPathID loads the object named by the :id path parameter, answering
// the problem itself when that fails.
func byPathID[T any](c *gin.Context, get func(context.Context, int64) (T, error)) (T, bool) {
	var zero T
	id, err := pathID(c, "id")
	if err != nil {
		fail(c, err)
		return zero, false
	}
	v, err := get(c.Request.Context(), id)
	if err != nil {
		fail(c, err)
		return zero, false
	}
	return v, true
}

// writeRead answers a read with its ETag, or 304 Not Modified when the
// client's If-None-Match names the current version.
func writeRead(c *gin.Context, version int, v any) {
	if c.GetHeader("If-None-Match") == etag(version) {
		c.Header("ETag", etag(version))
		c.Status(http.StatusNotModified)
		return
	}
	writeJSON(c, http.StatusOK, version, v)
}

// mapItems converts a list of domain values to their wire form.
func mapItems[T, W any](in []T, conv func(T) W) []W {
	out := make([]W, len(in))
	for i, v := range in {
		out[i] = conv(v)
	}
	return out
}
