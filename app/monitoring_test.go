package app_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cst-firenze/helpdesk/app"
	"github.com/cst-firenze/helpdesk/domain"
)

// memoryMonitoring is a monitoring store keeping an import's records in
// memory, in the order written, one per natural key; its writer fails at
// the failAt-th Put when failAt > 0.
type memoryMonitoring struct {
	app.MonitoringStore
	systems  []domain.MonitoringSystem
	failAt   int
	puts     int
	stored   []domain.MonitoringEvent
	seen     map[string]bool
	proposed []string
}

func (s *memoryMonitoring) MonitoringSystems(context.Context) ([]domain.MonitoringSystem, error) {
	return s.systems, nil
}

func (s *memoryMonitoring) ResponseSLAs(context.Context) ([]domain.ResponseSLA, error) {
	return nil, nil
}

func (s *memoryMonitoring) ImportMonitoringEvents(ctx context.Context, feed func(context.Context, domain.MonitoringWriter) error) error {
	return feed(ctx, &memoryWriter{s: s})
}

func (s *memoryMonitoring) OpenProposal(context.Context, string) (bool, error) { return false, nil }

func (s *memoryMonitoring) CreateOutage(_ context.Context, o domain.Outage) (domain.Outage, error) {
	s.proposed = append(s.proposed, o.Systems...)
	return o, nil
}

type memoryWriter struct {
	s      *memoryMonitoring
	queued []domain.MonitoringEvent
}

func (w *memoryWriter) Put(evs []domain.MonitoringEvent) error {
	if w.s.puts++; w.s.puts == w.s.failAt {
		return errors.New("disk full")
	}
	w.queued = append(w.queued, evs...)
	return nil
}

func (w *memoryWriter) Flush() (int64, error) {
	var n int64
	for _, e := range w.queued {
		k := fmt.Sprint(e.At.Unix(), e.Host, e.Service, e.Kind, e.State, e.Hard, e.Attempt)
		if !w.s.seen[k] {
			w.s.seen[k] = true
			w.s.stored = append(w.s.stored, e)
			n++
		}
	}
	w.queued = w.queued[:0]
	return n, nil
}

func (w *memoryWriter) CountAlerts([]domain.AlertHour) error       { return nil }
func (w *memoryWriter) CountResponses([]domain.ResponseHour) error { return nil }
func (w *memoryWriter) Merge() (int64, error)                      { return 0, nil }

// downtimeLog is a log of n host downtime lines a minute apart, each
// stored as a record, with a HARD CRITICAL of csicms/HTTP as line down (if
// > 0) and again as line again.
func downtimeLog(n, down, again int) string {
	var b strings.Builder
	t := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	for i := 1; i <= n; i++ {
		t += 60
		switch i {
		case down, again:
			fmt.Fprintf(&b, "[%d] SERVICE ALERT: csicms;HTTP;CRITICAL;HARD;3;CRITICAL - Socket timeout\n", t)
		default:
			fmt.Fprintf(&b, "[%d] HOST DOWNTIME ALERT: csbo;STARTED; Host has entered a period of scheduled downtime\n", t)
		}
	}
	return b.String()
}

var csicms = domain.MonitoringSystem{Code: "CSICMS", CustomerFacing: true, Probes: []domain.Probe{{Host: "csicms", Service: "HTTP"}}}

// The parse runs ahead of the writes: records are still stored in the
// log's order across many batches, a down state deep in the log proposes
// its outage once, and its repeat is not stored (it changes no span).
func TestImportLogKeepsTheLogsOrderAcrossBatches(t *testing.T) {
	const n = 12345
	s := &memoryMonitoring{systems: []domain.MonitoringSystem{csicms}, seen: map[string]bool{}}
	res, err := app.NewMonitoring(s, nil).ImportLog(context.Background(), strings.NewReader(downtimeLog(n, 7001, 9002)))
	if err != nil {
		t.Fatal(err)
	}
	if res.Lines != n || res.Stored != n-1 || len(s.stored) != n-1 {
		t.Fatalf("read %d lines, stored %d (%d in the store), want %d and %d", res.Lines, res.Stored, len(s.stored), n, n-1)
	}
	for i := 1; i < len(s.stored); i++ {
		if !s.stored[i].At.After(s.stored[i-1].At) {
			t.Fatalf("record %d at %s stored after one at %s", i, s.stored[i].At, s.stored[i-1].At)
		}
	}
	if got := fmt.Sprint(s.proposed); got != "[CSICMS]" {
		t.Errorf("proposed outages of %s, want [CSICMS] once", got)
	}
	if e := s.stored[7000]; e.State != "CRITICAL" || !e.Hard {
		t.Errorf("record 7000 is %s %s, want the HARD CRITICAL of line 7001", e.Host, e.State)
	}
}

// A write that fails stops the import with its error, however much of
// the log is left to read.
func TestImportLogStopsAtAFailedWrite(t *testing.T) {
	s := &memoryMonitoring{failAt: 3, seen: map[string]bool{}}
	_, err := app.NewMonitoring(s, nil).ImportLog(context.Background(), strings.NewReader(downtimeLog(50000, 0, 0)))
	if err == nil || err.Error() != "disk full" {
		t.Fatalf("got %v, want the writer's error", err)
	}
	if s.puts != 3 {
		t.Errorf("%d puts, want the import to stop at the failed third", s.puts)
	}
}
