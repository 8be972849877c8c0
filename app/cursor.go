package app

import (
	"encoding/base64"
	"encoding/json"
	"time"

	"github.com/cst-firenze/helpdesk/domain"
)

// Order is the order a list was read in; a cursor is good for the order
// it was made for only.
type Order int

// The orders of the lists.
const (
	NewestFirst Order = iota // by opened_at (requested_at), newest first
	OldestFirst              // the same, oldest first
	ByDue                    // tickets by SLA due (domain.TicketFilter.ByDue)
)

// OrderOf is the order of a list by time, ascending or not.
func OrderOf(ascending bool) Order {
	if ascending {
		return OldestFirst
	}
	return NewestFirst
}

// cursorJSON is what an opaque cursor holds.
type cursorJSON struct {
	At    time.Time `json:"t"`
	ID    int64     `json:"i"`
	Asc   bool      `json:"a,omitempty"`
	Due   bool      `json:"d,omitempty"`
	NoDue bool      `json:"n,omitempty"`
}

// EncodeCursor is the opaque form of a list position, for the API's
// next_cursor and the pages' "Pagina successiva" alike.
func EncodeCursor(c domain.Cursor, o Order) string {
	b, _ := json.Marshal(cursorJSON{At: c.At.UTC(), ID: c.ID, Asc: o == OldestFirst, Due: o == ByDue, NoDue: o == ByDue && c.NoDue})
	return base64.RawURLEncoding.EncodeToString(b)
}

// DecodeCursor parses an opaque cursor made for the order o.
func DecodeCursor(s string, o Order) (domain.Cursor, error) {
	bad := domain.Invalid("the cursor is not valid; start again from the first page",
		domain.FieldError{Field: "cursor", Detail: "is not a cursor this API returned for this sort order"})
	if len(s) > 200 {
		return domain.Cursor{}, bad
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return domain.Cursor{}, bad
	}
	var cj cursorJSON
	if err := json.Unmarshal(b, &cj); err != nil || cj.ID < 1 || cj.Asc != (o == OldestFirst) || cj.Due != (o == ByDue) ||
		(cj.NoDue && !cj.Due) || cj.At.IsZero() || cj.At.Year() > 9999 {
		return domain.Cursor{}, bad
	}
	return domain.Cursor{At: cj.At, ID: cj.ID, NoDue: cj.NoDue}, nil
}
