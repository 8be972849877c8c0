package repository_test

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/cst-firenze/helpdesk/domain"
	"github.com/cst-firenze/helpdesk/repository"
	"github.com/cst-firenze/helpdesk/repository/repotest"
)

// importRows makes n valid rows: closed level-1 tickets of Firenze opened
// an hour apart in 2016.
func importRows(n int, prefix string) []domain.TicketImport {
	rows := make([]domain.TicketImport, n)
	for i := range rows {
		opened := time.Date(2016, 2, 1, 9, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Hour)
		closed := opened.Add(30 * time.Minute)
		rows[i] = domain.TicketImport{Line: i + 1, ExternalID: fmt.Sprintf("%s-%d", prefix, i), EnteCode: "firenze", Level: 1,
			Status: domain.StatusRisolto, Service: "sito_web", Channel: domain.ChannelEmail, Subject: "Pagina non aggiornata",
			OpenedAt: opened, ClosedAt: &closed}
	}
	return rows
}

func gestiti2016(t *testing.T, s *repository.Store) int64 {
	t.Helper()
	from, to := rome(2016, 1, 1, 0, 0), rome(2017, 1, 1, 0, 0)
	rows, err := s.TicketStats(ctx, domain.TicketStatsQuery{From: &from, To: &to})
	if err != nil {
		t.Fatal(err)
	}
	return rows[0].Counts.Gestiti()
}

func TestImportTicketsIsIdempotentAndAllOrNothing(t *testing.T) {
	repotest.Each(t, func(t *testing.T, s *repository.Store) {
		// More rows than one batch, so several INSERTs share the transaction.
		rows := importRows(1203, "old")
		res, err := s.ImportTickets(ctx, rows)
		if err != nil {
			t.Fatal(err)
		}
		if want := (domain.ImportResult{Received: 1203, Created: 1203}); res != want {
			t.Errorf("first import: got %+v, want %+v", res, want)
		}
		if got := gestiti2016(t, s); got != 1203 {
			t.Errorf("after the first import: got %d tickets in 2016, want 1203", got)
		}

		// The same file again changes nothing; with new rows only they are added.
		res, err = s.ImportTickets(ctx, append(rows, importRows(2, "new")...))
		if err != nil {
			t.Fatal(err)
		}
		if want := (domain.ImportResult{Received: 1205, Created: 2, Unchanged: 1203}); res != want {
			t.Errorf("second import: got %+v, want %+v", res, want)
		}
		if got := gestiti2016(t, s); got != 1205 {
			t.Errorf("after the second import: got %d tickets in 2016, want 1205", got)
		}

		// A row already imported with other content is an error with its
		// line, and the new rows of the same batch are not stored either.
		changed := append(importRows(3, "old"), importRows(5, "third")...)
		changed[1].Status, changed[1].ClosedAt = domain.StatusAperto, nil
		changed[2].Subject = "Altro oggetto"
		for i := range changed {
			changed[i].Line = i + 2
		}
		_, err = s.ImportTickets(ctx, changed)
		var de *domain.Error
		if !errors.As(err, &de) || de.Code != domain.CodeUnprocessable {
			t.Fatalf("changed rows: got %v, want unprocessable", err)
		}
		var got []string
		for _, f := range de.Fields {
			got = append(got, fmt.Sprintf("%d %s %s", f.Line, f.Field, f.Detail[strings.Index(f.Detail, "different"):]))
		}
		want := []string{"3 external_id different status, closed_at", "4 external_id different subject"}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("got errors %q, want %q", got, want)
		}
		if got := gestiti2016(t, s); got != 1205 {
			t.Errorf("after the refused import: got %d tickets in 2016, want still 1205", got)
		}

		// An imported ticket reads like any other, without SLA clocks.
		page, err := s.ListTickets(ctx, domain.TicketFilter{Limit: 1, Ascending: true})
		if err != nil || len(page.Tickets) != 1 {
			t.Fatalf("list: %v, %v", page, err)
		}
		tk := page.Tickets[0]
		if tk.ExternalID != "old-0" || tk.Status != domain.StatusRisolto || len(tk.Clocks) != 0 || tk.Version != 1 ||
			!tk.OpenedAt.Equal(rows[0].OpenedAt) || tk.ClosedAt == nil || !tk.ClosedAt.Equal(*rows[0].ClosedAt) {
			t.Errorf("got ticket %+v, want the first imported row, closed, without clocks", tk)
		}
	})
}

// Opened at 23:30 UTC on 31 December is already the next year in Rome:
// an imported ticket counts in the year of its Rome date, like any other.
func TestImportedTicketsCountInTheirRomeYear(t *testing.T) {
	repotest.Each(t, func(t *testing.T, s *repository.Store) {
		rows := importRows(2, "ny")
		rows[0].OpenedAt = time.Date(2016, 12, 31, 23, 30, 0, 0, time.UTC)
		rows[1].OpenedAt = time.Date(2016, 12, 31, 22, 30, 0, 0, time.UTC)
		for i := range rows {
			closed := rows[i].OpenedAt.Add(time.Hour)
			rows[i].ClosedAt = &closed
		}
		if _, err := s.ImportTickets(ctx, rows); err != nil {
			t.Fatal(err)
		}
		got, err := s.TicketYearStats(ctx, domain.YearStatsQuery{Years: []int{2016, 2017}})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].Year != 2016 || got[0].Counts.Risolto != 1 || got[1].Year != 2017 || got[1].Counts.Risolto != 1 {
			t.Errorf("got %+v, want one ticket in 2016 and one in 2017", got)
		}
	})
}
