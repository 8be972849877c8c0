package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/cst-firenze/helpdesk/domain"
)

// readBody reads the whole request body, bounded by the server's limit; a
// larger body is a 413.
func readBody(c *gin.Context, limit int64) ([]byte, error) {
	b, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, limit))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return nil, &domain.Error{Code: codeTooLarge, Message: fmt.Sprintf("the request body is larger than %d bytes", limit)}
	}
	if err != nil {
		return nil, domain.Errorf(domain.CodeInvalid, "the request body could not be read")
	}
	return b, nil
}

// decodeJSON decodes exactly one JSON object into v, rejecting unknown
// fields and trailing data, and says which field is wrong.
func decodeJSON(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return domain.Invalid("the request body is empty; a JSON object is expected")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil && dec.More() {
		err = errors.New("trailing data")
	}
	if err == nil {
		var extra json.RawMessage
		if dec.Decode(&extra) != io.EOF {
			err = errors.New("trailing data")
		}
	}
	if err == nil {
		if fe := textErrors(v, 0); len(fe) > 0 {
			return domain.Invalid("a field holds characters that are not allowed", fe...)
		}
		return nil
	}
	var (
		typeErr   *json.UnmarshalTypeError
		syntaxErr *json.SyntaxError
	)
	switch {
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			return domain.Invalid("the request body must be a JSON object")
		}
		return domain.Invalid("a field has the wrong type", domain.FieldError{Field: field, Detail: "must be " + jsonType(typeErr.Type.Kind().String())})
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return domain.Invalid("the request has a field that is not allowed", domain.FieldError{Field: field, Detail: "is not a known field"})
	case errors.As(err, &syntaxErr):
		return domain.Invalid(fmt.Sprintf("the request body is not valid JSON (at byte %d)", syntaxErr.Offset))
	default:
		return domain.Invalid("the request body is not a valid JSON object")
	}
}

func jsonType(kind string) string {
	switch kind {
	case "string":
		return "a string"
	case "bool":
		return "a boolean"
	case "slice", "array":
		return "an array"
	case "map", "struct":
		return "an object"
	case "ptr":
		return "a value of another type"
	default:
		return "a number"
	}
}

// bindJSON reads and decodes a JSON request body into v, and returns the
// raw body for callers that hash it (Idempotency-Key).
func (s *Server) bindJSON(c *gin.Context, v any) ([]byte, error) {
	if ct := c.ContentType(); ct != "" && !strings.EqualFold(ct, "application/json") {
		return nil, &domain.Error{Code: codeUnsupportedMedia, Message: "the request body must be application/json"}
	}
	b, err := readBody(c, s.cfg.MaxBodyBytes)
	if err != nil {
		return nil, err
	}
	return b, decodeJSON(b, v)
}
