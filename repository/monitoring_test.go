package repository_test

import (
	"context"
	"fmt"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/cst-firenze/helpdesk/domain"
	"github.com/cst-firenze/helpdesk/repository"
	"github.com/cst-firenze/helpdesk/repository/repotest"
)

// importEvents stores evs in one import and returns how many were new.
func importEvents(t *testing.T, s *repository.Store, evs []domain.MonitoringEvent) int64 {
	t.Helper()
	var stored int64
	err := s.ImportMonitoringEvents(ctx, func(ctx context.Context, w domain.MonitoringWriter) error {
		if err := w.Put(evs); err != nil {
			return err
		}
		n, err := w.Flush()
		stored = n
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return stored
}

// An import's records read back as they were written, whatever their
// output and response time hold, in the order written (ties in time keep
// it), across the batches the writer sends and merges, and a second
// import of them stores nothing.
func TestImportedMonitoringEventsReadBackUnchanged(t *testing.T) {
	repotest.Each(t, func(t *testing.T, s *repository.Store) {
		outputs := []string{"OK - 512 bytes", `quote " and backslash \ and \u0041`, "tab\tand\x01control\x1f", "città è già", "",
			"trailing \\"}
		if s.Dialect() == "sqlite" { // PostgreSQL text holds neither
			outputs = append(outputs, "latin-1 \xe8 not UTF-8", "nul \x00 inside")
		}
		responses := []float64{0.006, 0.1, 1e-7, 123.456789012345, 0.30000000000000004, math.SmallestNonzeroFloat64, 1.7976931348623157e308}
		base := time.Date(2019, 3, 31, 0, 59, 59, 123456000, time.UTC) // an hour before Rome's summer time
		var evs []domain.MonitoringEvent
		for i := range 25000 { // more than one merge of staged records on PostgreSQL
			e := domain.MonitoringEvent{At: base.Add(time.Duration(i/3) * time.Second), Kind: domain.MonitoringAlert,
				Host: "csicms", Service: "HTTP", State: []string{"CRITICAL", "OK", "WARNING"}[i%3], Hard: true, Attempt: i % 3,
				Output: outputs[i%len(outputs)]}
			if i%4 != 0 {
				r := responses[i%len(responses)]
				e.Response = &r
			}
			if i%500 == 7 {
				e.Kind, e.State, e.Hard, e.Attempt, e.Response = domain.MonitoringDowntime, "STARTED", false, 0, nil
				e.Service = ""
			}
			evs = append(evs, e)
		}
		if n := importEvents(t, s, evs); n != int64(len(evs)) {
			t.Fatalf("stored %d records, want %d", n, len(evs))
		}
		// The period starts at the first record's time exactly: a time
		// bound as a parameter must compare equal to the stored one.
		h, err := s.ProbeHistory(ctx, domain.Probe{Host: "csicms", Service: "HTTP"}, domain.Span{From: base, To: base.Add(24 * time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		if len(h.Events) != len(evs) {
			t.Fatalf("read back %d records, want %d", len(h.Events), len(evs))
		}
		for i, got := range h.Events {
			if want := evs[i]; !reflect.DeepEqual(got, want) {
				t.Fatalf("record %d: got %s, want %s", i, show(got), show(want))
			}
		}
		if n := importEvents(t, s, evs); n != 0 {
			t.Errorf("a second import stored %d records, want 0", n)
		}
	})
}

func show(e domain.MonitoringEvent) string {
	r := "nil"
	if e.Response != nil {
		r = fmt.Sprint(*e.Response)
	}
	return fmt.Sprintf("{%s %s %s/%s %s hard=%t %d %q %s}", e.At.Format(time.RFC3339Nano), e.Kind, e.Host, e.Service, e.State, e.Hard, e.Attempt, e.Output, r)
}
