package repository

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"gorm.io/gorm"

	"github.com/cst-firenze/helpdesk/domain"
)

// importBatch is how many rows one INSERT carries on PostgreSQL: large
// enough to make a bulk import fast, well within its limit on bound
// parameters (18 columns × 500 rows). The SQLite driver binds parameters
// in time quadratic in their number, so there smaller batches are faster.
const (
	importBatch       = 500
	importBatchSQLite = 50
)

// ImportTickets stores the rows of a historical import, all or nothing, in
// one transaction. A row whose external id is already stored with the same
// content is counted as unchanged and left alone, so importing a file
// twice changes nothing; with different content it is an error, reported
// with the row's line, and nothing is stored: an import never rewrites
// tickets that may have been worked on since. Rows must be valid
// (domain.ValidateImport).
func (s *Store) ImportTickets(ctx context.Context, rows []domain.TicketImport) (domain.ImportResult, error) {
	res := domain.ImportResult{Received: len(rows)}
	err := s.InTx(ctx, func(ctx context.Context) error {
		db := s.conn(ctx)
		stored := make(map[string]ticketRow, len(rows))
		for i := 0; i < len(rows); i += importBatch {
			ids := make([]string, 0, importBatch)
			for _, r := range rows[i:min(i+importBatch, len(rows))] {
				ids = append(ids, r.ExternalID)
			}
			var found []ticketRow
			if err := db.Where("external_id IN ?", ids).Find(&found).Error; err != nil {
				return translate(err)
			}
			for _, f := range found {
				stored[*f.ExternalID] = f
			}
		}
		var (
			conflicts []domain.FieldError
			create    []ticketRow
			from      []int // the row of each ticket to create
		)
		for i, r := range rows {
			old, ok := stored[r.ExternalID]
			if !ok {
				create, from = append(create, toTicketRow(r.Ticket())), append(from, i)
				continue
			}
			if diff := domain.ImportDiff(old.toDomain(nil), r); len(diff) > 0 {
				conflicts = append(conflicts, domain.FieldError{Line: r.Line, Field: "external_id",
					Detail: fmt.Sprintf("%q is already stored as ticket %d with a different %s", r.ExternalID, old.ID, strings.Join(diff, ", "))})
				continue
			}
			res.Unchanged++
		}
		if len(conflicts) > 0 {
			return &domain.Error{Code: domain.CodeUnprocessable, Fields: conflicts[:min(len(conflicts), domain.MaxImportErrors)],
				Message: fmt.Sprintf("%d rows are already imported with a different content; nothing was imported", len(conflicts))}
		}
		// Inserting in rollup-key order makes every batch take the locks
		// of the rollup rows (ticket_counts) in the same order as any
		// other writer, so a concurrent change cannot deadlock with it.
		order := make([]int, len(create))
		for i := range order {
			order[i] = i
		}
		slices.SortStableFunc(order, func(i, j int) int {
			a, b := create[i], create[j]
			return cmp.Or(cmp.Compare(a.OpenedYear, b.OpenedYear), cmp.Compare(a.Level, b.Level),
				cmp.Compare(a.Status, b.Status), cmp.Compare(a.EnteCode, b.EnteCode))
		})
		sorted, src := make([]ticketRow, len(create)), make([]int, len(create))
		for k, i := range order {
			sorted[k], src[k] = create[i], from[i]
		}
		create = sorted
		batch := importBatchSQLite
		if s.postgres {
			batch = importBatch
		}
		if len(create) > 0 {
			if err := db.CreateInBatches(&create, batch).Error; err != nil {
				return translate(err)
			}
		}
		if err := importHistories(db, create, src, rows, batch); err != nil {
			return err
		}
		res.Created = len(create)
		return nil
	})
	if err != nil {
		return domain.ImportResult{}, err
	}
	return res, nil
}

// importHistories writes what goes with each created ticket: for a row
// with a replayed history its events, SLA clocks and state ranges; for a
// row with only its final state the ranges that state implies (nuovo from
// opening to closing, then the closed status; migration 00012 backfills
// older imports by the same rule).
func importHistories(db *gorm.DB, created []ticketRow, src []int, rows []domain.TicketImport, batch int) error {
	var (
		clocks []clockRow
		events []eventRow
		states []stateRow
	)
	for k, tr := range created {
		r := rows[src[k]]
		hist := r.History()
		if hist == nil {
			hist = impliedHistory(r.Ticket())
		} else {
			for _, c := range r.Ticket().Clocks {
				clocks = append(clocks, toClockRow(tr.ID, c))
			}
			for _, e := range hist {
				e.TicketID = tr.ID
				events = append(events, toEventRow(e))
			}
		}
		states = append(states, statesOf(tr, hist)...)
	}
	for _, rs := range []any{&clocks, &events, &states} {
		if err := db.CreateInBatches(rs, batch).Error; err != nil {
			return translate(err)
		}
	}
	return nil
}

// impliedHistory is the state changes a row without events implies: its
// opening as nuovo at its level and, when closed, its closing.
func impliedHistory(t domain.Ticket) []domain.Event {
	h := []domain.Event{{Action: domain.ActionOpen, At: t.OpenedAt, ToStatus: domain.StatusNuovo, ToLevel: t.Level}}
	if t.Status != domain.StatusNuovo && !(t.Status.Closed() && t.ClosedAt != nil) {
		// An open row known only by its state: in that state since opening.
		h[0].ToStatus = t.Status
	}
	if t.Status.Closed() && t.ClosedAt != nil {
		h = append(h, domain.Event{Action: domain.ActionResolve, At: *t.ClosedAt,
			FromStatus: domain.StatusNuovo, ToStatus: t.Status, FromLevel: t.Level, ToLevel: t.Level})
	}
	return h
}
