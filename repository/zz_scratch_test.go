package repository_test

import (
	"testing"
	"time"

	"github.com/cst-firenze/helpdesk/repository"
	"github.com/cst-firenze/helpdesk/repository/repotest"
)

func TestZZImportSpeed(t *testing.T) {
	repotest.Each(t, func(t *testing.T, s *repository.Store) {
		rows := importRows(100000, "speed")
		start := time.Now()
		if _, err := s.ImportTickets(ctx, rows); err != nil {
			t.Fatal(err)
		}
		t.Logf("100000 rows in %v", time.Since(start))
		start = time.Now()
		if _, err := s.ImportTickets(ctx, rows); err != nil {
			t.Fatal(err)
		}
		t.Logf("re-import of 100000 rows in %v", time.Since(start))
	})
}
