package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/cst-firenze/helpdesk/domain"
)

// Problem is an RFC 9457 problem detail.
type Problem struct {
	Type     string         `json:"type"`
	Title    string         `json:"title"`
	Status   int            `json:"status"`
	Detail   string         `json:"detail,omitempty"`
	Instance string         `json:"instance,omitempty"`
	Code     domain.Code    `json:"code"`
	Errors   []problemField `json:"errors,omitempty"`
}

// problemField is a domain.FieldError on the wire.
type problemField struct {
	Field  string `json:"field"`
	Detail string `json:"detail"`
	Line   int    `json:"line,omitempty"`
}

func problemFields(fe []domain.FieldError) []problemField {
	if len(fe) == 0 {
		return nil
	}
	out := make([]problemField, len(fe))
	for i, f := range fe {
		out[i] = problemField(f)
	}
	return out
}

// statusOf is the one table from error codes to HTTP statuses.
var statusOf = map[domain.Code]int{
	domain.CodeInvalid:            http.StatusBadRequest,
	domain.CodeUnauthenticated:    http.StatusUnauthorized,
	domain.CodeForbidden:          http.StatusForbidden,
	domain.CodeNotFound:           http.StatusNotFound,
	domain.CodeConflict:           http.StatusConflict,
	domain.CodePreconditionFailed: http.StatusPreconditionFailed,
	domain.CodeUnprocessable:      http.StatusUnprocessableEntity,
	domain.CodeTooManyRequests:    http.StatusTooManyRequests,
	domain.CodeUnavailable:        http.StatusServiceUnavailable,
	domain.CodeInternal:           http.StatusInternalServerError,
	codeTooLarge:                  http.StatusRequestEntityTooLarge,
	codeMethodNotAllowed:          http.StatusMethodNotAllowed,
	codeNotAcceptable:             http.StatusNotAcceptable,
	codeUnsupportedMedia:          http.StatusUnsupportedMediaType,
	codePreconditionRequired:      http.StatusPreconditionRequired,
}

// Codes only HTTP has.
const (
	codeTooLarge             domain.Code = "too_large"
	codeMethodNotAllowed     domain.Code = "method_not_allowed"
	codeNotAcceptable        domain.Code = "not_acceptable"
	codeUnsupportedMedia     domain.Code = "unsupported_media_type"
	codePreconditionRequired domain.Code = "precondition_required"
)

// problemType is the URI that identifies a kind of problem.
func problemType(c domain.Code) string { return "urn:helpdesk:problem:" + string(c) }

// fail writes err as problem+json and aborts the request. Errors without a
// domain code are bugs: they are logged and answered with a generic 500,
// never echoed.
func fail(c *gin.Context, err error) {
	var de *domain.Error
	if !errors.As(err, &de) {
		loggerOf(c).ErrorContext(c.Request.Context(), "internal error", "err", err, "request_id", requestID(c))
		de = &domain.Error{Code: domain.CodeInternal, Message: "an unexpected error occurred; it has been logged"}
	} else if de.Err != nil && de.Code == domain.CodeUnavailable {
		loggerOf(c).WarnContext(c.Request.Context(), "dependency unavailable", "err", de.Err, "request_id", requestID(c))
	}
	status, ok := statusOf[de.Code]
	if !ok {
		status = http.StatusInternalServerError
	}
	p := Problem{
		Type: problemType(de.Code), Title: http.StatusText(status), Status: status,
		Detail: de.Message, Instance: c.Request.URL.Path, Code: de.Code, Errors: problemFields(de.Fields),
	}
	switch status {
	case http.StatusServiceUnavailable:
		c.Header("Retry-After", "2")
	case http.StatusUnauthorized:
		c.Header("WWW-Authenticate", `Bearer realm="helpdesk"`)
	}
	writeProblem(c, p)
}

func writeProblem(c *gin.Context, p Problem) {
	b, err := json.Marshal(p)
	if err != nil { // cannot happen for this struct; keep the answer valid anyway
		b = []byte(`{"type":"about:blank","title":"Internal Server Error","status":500,"code":"internal"}`)
		p.Status = http.StatusInternalServerError
	}
	c.Header("Content-Length", strconv.Itoa(len(b)))
	c.Data(p.Status, "application/problem+json", b)
	c.Abort()
}

func failf(c *gin.Context, code domain.Code, format string, args ...any) {
	fail(c, domain.Errorf(code, format, args...))
}
