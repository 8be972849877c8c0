package api

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/cst-firenze/helpdesk/domain"
)

// importRowJSON is one NDJSON line of a historical import.
type importRowJSON struct {
	ExternalID  string            `json:"external_id"`
	Ente        string            `json:"ente"`
	Level       int               `json:"level"`
	Status      string            `json:"status"`
	Service     string            `json:"service"`
	Channel     string            `json:"channel"`
	Subject     string            `json:"subject"`
	Description string            `json:"description"`
	OpenedAt    string            `json:"opened_at"`
	ClosedAt    *string           `json:"closed_at"`
	ReceivedAt  *string           `json:"received_at"`
	Events      []importEventJSON `json:"events"`
}

// importEventJSON is one event of an imported history, in the vocabulary
// of GET /tickets/{id}/events; id, actor_id and internal are accepted, so
// that a history read from there can be sent back, and ignored.
type importEventJSON struct {
	ID         *int64        `json:"id"`
	Action     domain.Action `json:"action"`
	ActorID    *int64        `json:"actor_id"`
	Actor      string        `json:"actor"`
	At         string        `json:"at"`
	Body       string        `json:"body"`
	Internal   *bool         `json:"internal"`
	FromStatus domain.Status `json:"from_status"`
	ToStatus   domain.Status `json:"to_status"`
	FromLevel  domain.Level  `json:"from_level"`
	ToLevel    domain.Level  `json:"to_level"`
}

// importColumns are the CSV columns of an import; required ones first.
var (
	importRequired = []string{"external_id", "ente", "level", "status", "service", "channel", "subject", "opened_at"}
	importOptional = []string{"closed_at", "description", "received_at", "events"}
)

type importResultJSON struct {
	Received  int `json:"received"`
	Created   int `json:"created"`
	Unchanged int `json:"unchanged"`
}

// importTickets loads tickets from the old system: every row is checked
// and every problem reported with its line (422), then the batch is stored
// all or nothing. Rows already imported with the same external_id and
// content are unchanged, so a retried import is harmless.
func (s *Server) importTickets(c *gin.Context) {
	ct, _, err := mime.ParseMediaType(c.GetHeader("Content-Type"))
	if err != nil {
		ct = ""
	}
	var parse func([]byte) ([]domain.TicketImport, []domain.FieldError, error)
	switch ct {
	case "application/x-ndjson", "application/ndjson":
		parse = parseImportNDJSON
	case "text/csv":
		parse = parseImportCSV
	default:
		fail(c, &domain.Error{Code: codeUnsupportedMedia, Message: "an import is application/x-ndjson (one JSON object a line) or text/csv (with a header row)"})
		return
	}
	body, err := readBody(c, s.cfg.MaxImportBytes)
	if err != nil {
		fail(c, err)
		return
	}
	rows, fe, err := parse(body)
	if err != nil {
		fail(c, err)
		return
	}
	res, err := s.imports.Tickets(c.Request.Context(), rows, fe)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, importResultJSON{Received: res.Received, Created: res.Created, Unchanged: res.Unchanged})
}

// importTime parses an RFC 3339 instant of a row.
func importTime(line int, field, v string) (time.Time, *domain.FieldError) {
	if v == "" {
		return time.Time{}, nil // ValidateImport says whether it was required
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return time.Time{}, &domain.FieldError{Line: line, Field: field, Detail: "must be an RFC 3339 instant such as 2017-03-01T09:30:00+01:00"}
	}
	return t, nil
}

// toImport converts a row's text fields, reporting the ones that do not
// parse.
func (r importRowJSON) toImport(line int) (domain.TicketImport, []domain.FieldError) {
	fe := textErrors(r, line)
	out := domain.TicketImport{
		Line: line, ExternalID: r.ExternalID, EnteCode: r.Ente, Level: domain.Level(r.Level), Status: domain.Status(r.Status),
		Service: r.Service, Channel: domain.Channel(r.Channel), Subject: r.Subject, Description: r.Description,
	}
	var bad *domain.FieldError
	if out.OpenedAt, bad = importTime(line, "opened_at", r.OpenedAt); bad != nil {
		fe = append(fe, *bad)
	}
	for _, f := range []struct {
		name string
		v    *string
		dst  **time.Time
	}{{"closed_at", r.ClosedAt, &out.ClosedAt}, {"received_at", r.ReceivedAt, &out.ReceivedAt}} {
		if f.v == nil || *f.v == "" {
			continue
		}
		t, bad := importTime(line, f.name, *f.v)
		if bad != nil {
			fe = append(fe, *bad)
		} else {
			*f.dst = &t
		}
	}
	for i, e := range r.Events {
		ev := domain.ImportEvent{Action: e.Action, Actor: e.Actor, Body: e.Body,
			FromStatus: e.FromStatus, ToStatus: e.ToStatus, FromLevel: e.FromLevel, ToLevel: e.ToLevel}
		field := fmt.Sprintf("events[%d].at", i)
		if e.At == "" {
			fe = append(fe, domain.FieldError{Line: line, Field: field, Detail: "is required"})
		} else if t, bad := importTime(line, field, e.At); bad != nil {
			fe = append(fe, *bad)
		} else {
			ev.At = t
		}
		out.Events = append(out.Events, ev)
	}
	return out, fe
}

// parseImportNDJSON reads one JSON object a line; blank lines are skipped
// but counted, so reported lines match the file. It returns every row it
// could read, for validation, and the problems of reading them.
func parseImportNDJSON(body []byte) ([]domain.TicketImport, []domain.FieldError, error) {
	var (
		rows []domain.TicketImport
		fe   []domain.FieldError
	)
	for i, line := range bytes.Split(body, []byte("\n")) {
		n := i + 1
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		var r importRowJSON
		if err := decodeJSON(line, &r); err != nil {
			var de *domain.Error
			if errors.As(err, &de) && len(de.Fields) > 0 {
				for _, f := range de.Fields {
					fe = append(fe, domain.FieldError{Line: n, Field: f.Field, Detail: f.Detail})
				}
			} else {
				fe = append(fe, domain.FieldError{Line: n, Field: "row", Detail: "is not a JSON object: " + detailOf(err)})
			}
			continue
		}
		row, bad := r.toImport(n)
		fe = append(fe, bad...)
		rows = append(rows, row)
	}
	return rows, fe, nil
}

func detailOf(err error) string {
	var de *domain.Error
	if errors.As(err, &de) {
		return de.Message
	}
	return err.Error()
}

// parseImportCSV reads a header row and one row per ticket. The separator
// is ';' when the header has more of them than commas, as an Italian
// spreadsheet saves it; columns may come in any order.
func parseImportCSV(body []byte) ([]domain.TicketImport, []domain.FieldError, error) {
	body = bytes.TrimPrefix(body, []byte("\xef\xbb\xbf")) // a spreadsheet's UTF-8 byte order mark
	first, _, _ := bytes.Cut(body, []byte("\n"))
	r := csv.NewReader(bytes.NewReader(body))
	if bytes.Count(first, []byte(";")) > bytes.Count(first, []byte(",")) {
		r.Comma = ';'
	}
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err == io.EOF {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, domain.Invalid("the CSV header row cannot be read", domain.FieldError{Line: 1, Field: "header", Detail: err.Error()})
	}
	col := map[string]int{}
	var fe []domain.FieldError
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		switch {
		case !slices.Contains(importRequired, h) && !slices.Contains(importOptional, h):
			fe = append(fe, domain.FieldError{Line: 1, Field: h, Detail: "is not a known column; the columns are " +
				strings.Join(append(append([]string{}, importRequired...), importOptional...), ", ")})
		case col[h] != 0:
			fe = append(fe, domain.FieldError{Line: 1, Field: h, Detail: "is given twice"})
		default:
			col[h] = i + 1 // 0 means absent
		}
	}
	for _, h := range importRequired {
		if col[h] == 0 {
			fe = append(fe, domain.FieldError{Line: 1, Field: h, Detail: "is a required column"})
		}
	}
	if len(fe) > 0 {
		return nil, nil, domain.Invalid("the CSV header row is not valid", fe...)
	}
	var rows []domain.TicketImport
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			// A broken quote leaves the rest of the file unreadable.
			fe = append(fe, domain.FieldError{Line: pe.StartLine, Field: "row", Detail: "is not valid CSV: " + pe.Err.Error()})
			break
		}
		if err != nil {
			return nil, nil, err
		}
		line, _ := r.FieldPos(0)
		if len(rec) != len(header) {
			fe = append(fe, domain.FieldError{Line: line, Field: "row", Detail: fmt.Sprintf("has %d fields, the header has %d", len(rec), len(header))})
			continue
		}
		get := func(name string) string {
			if i := col[name]; i > 0 {
				return strings.TrimSpace(rec[i-1])
			}
			return ""
		}
		row := importRowJSON{ExternalID: get("external_id"), Ente: get("ente"), Status: get("status"), Service: get("service"),
			Channel: get("channel"), Subject: get("subject"), Description: get("description"), OpenedAt: get("opened_at")}
		if v := get("closed_at"); v != "" {
			row.ClosedAt = &v
		}
		if v := get("received_at"); v != "" {
			row.ReceivedAt = &v
		}
		var bad []domain.FieldError
		if v := get("events"); v != "" {
			// A history in a CSV cell is the JSON array NDJSON carries.
			if err := decodeJSON([]byte(v), &row.Events); err != nil {
				bad = append(bad, domain.FieldError{Line: line, Field: "events", Detail: "is not a JSON array of events: " + detailOf(err)})
			}
		}
		if v := get("level"); v != "" {
			if row.Level, err = strconv.Atoi(v); err != nil {
				bad = append(bad, domain.FieldError{Line: line, Field: "level", Detail: "must be 1 or 2"})
			}
		}
		imp, more := row.toImport(line)
		fe = append(append(fe, bad...), more...)
		rows = append(rows, imp)
	}
	return rows, fe, nil
}
