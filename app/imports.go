package app

import (
	"context"
	"fmt"
	"slices"

	"github.com/cst-firenze/helpdesk/domain"
)

// ImportStore is what the historical import needs from persistence.
type ImportStore interface {
	ListEnti(ctx context.Context) ([]domain.Ente, error)
	Calendar(ctx context.Context, enteCode string) (domain.Calendar, error)
	SLATargets(ctx context.Context) (domain.SLATargets, error)
	ImportTickets(ctx context.Context, rows []domain.TicketImport) (domain.ImportResult, error)
}

// Imports are the use cases of loading history from the old system.
type Imports struct {
	store ImportStore
	now   Clock
}

// NewImports builds the import use cases.
func NewImports(store ImportStore, now Clock) *Imports { return &Imports{store: store, now: now} }

// Tickets checks every row of a ticket import and replays the events of
// the rows that carry them through the domain, then stores the batch all
// or nothing. unparsed are the problems found reading the input; a field
// that did not parse is reported once, as not parsing. Every problem of
// the batch comes back at once, with its line, in one 422.
func (u *Imports) Tickets(ctx context.Context, rows []domain.TicketImport, unparsed []domain.FieldError) (domain.ImportResult, error) {
	if len(rows) == 0 && len(unparsed) == 0 {
		return domain.ImportResult{}, domain.Invalid("the import has no rows")
	}
	now := u.now.read()
	enti, err := u.store.ListEnti(ctx)
	if err != nil {
		return domain.ImportResult{}, err
	}
	known := make(map[string]bool, len(enti))
	for _, e := range enti {
		known[e.Code] = true
	}
	fe := unparsed
	parsed := map[domain.FieldError]bool{}
	bad := map[int]bool{}
	for _, f := range unparsed {
		parsed[domain.FieldError{Line: f.Line, Field: f.Field}] = true
		bad[f.Line] = true
	}
	for _, f := range domain.ValidateImport(rows, now, func(code string) bool { return known[code] }) {
		if !parsed[domain.FieldError{Line: f.Line, Field: f.Field}] {
			fe = append(fe, f)
		}
		bad[f.Line] = true
	}
	// Only rows valid so far are replayed: a replay needs a known ente
	// and sound timestamps.
	var targets domain.SLATargets
	calendars := map[string]domain.Calendar{}
	for i := range rows {
		r := &rows[i]
		if len(r.Events) == 0 || bad[r.Line] {
			continue
		}
		if targets == nil {
			if targets, err = u.store.SLATargets(ctx); err != nil {
				return domain.ImportResult{}, err
			}
		}
		cal, ok := calendars[r.EnteCode]
		if !ok {
			if cal, err = u.store.Calendar(ctx, r.EnteCode); err != nil {
				return domain.ImportResult{}, err
			}
			calendars[r.EnteCode] = cal
		}
		fe = append(fe, r.Replay(targets, cal, now)...)
	}
	if len(fe) > 0 {
		slices.SortStableFunc(fe, func(a, b domain.FieldError) int { return a.Line - b.Line })
		lines := map[int]bool{}
		for _, f := range fe {
			lines[f.Line] = true
		}
		return domain.ImportResult{}, &domain.Error{Code: domain.CodeUnprocessable, Fields: fe[:min(len(fe), domain.MaxImportErrors)],
			Message: fmt.Sprintf("%d rows have errors (%d in all, at most %d listed); nothing was imported", len(lines), len(fe), domain.MaxImportErrors)}
	}
	return u.store.ImportTickets(ctx, rows)
}
