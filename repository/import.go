package repository

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

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
		)
		for _, r := range rows {
			old, ok := stored[r.ExternalID]
			if !ok {
				create = append(create, toTicketRow(r.Ticket()))
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
		slices.SortStableFunc(create, func(a, b ticketRow) int {
			return cmp.Or(cmp.Compare(a.OpenedYear, b.OpenedYear), cmp.Compare(a.Level, b.Level),
				cmp.Compare(a.Status, b.Status), cmp.Compare(a.EnteCode, b.EnteCode))
		})
		batch := importBatchSQLite
		if s.postgres {
			batch = importBatch
		}
		if len(create) > 0 {
			if err := db.CreateInBatches(&create, batch).Error; err != nil {
				return translate(err)
			}
		}
		res.Created = len(create)
		return nil
	})
	if err != nil {
		return domain.ImportResult{}, err
	}
	return res, nil
}
