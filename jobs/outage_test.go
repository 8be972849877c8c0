package jobs_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cst-firenze/helpdesk/app"
	"github.com/cst-firenze/helpdesk/domain"
	"github.com/cst-firenze/helpdesk/jobs/jobstest"
	"github.com/cst-firenze/helpdesk/repository"
	"github.com/cst-firenze/helpdesk/repository/repotest"
)

// TestOutageEventsAreSignedAndRolledBack: an outage an operator opens is
// delivered signed as outage.created, its patch as outage.updated, a HARD
// CRITICAL of a customer-facing system proposes one (outage.created,
// proposed), and an outage opened in a transaction that rolls back sends
// nothing.
func TestOutageEventsAreSignedAndRolledBack(t *testing.T) {
	repotest.Each(t, func(t *testing.T, s *repository.Store) {
		d := startDesk(t, s, fastRetry)
		r := jobstest.NewReceiver(t)
		d.register(t, r, "outage.*")
		m := app.NewMonitoring(s, time.Now)
		ctx := context.Background()
		started := time.Now().UTC().Add(-20 * time.Minute).Truncate(time.Second)
		text := "Portale dei servizi non raggiungibile"
		systems := []string{"CSCMS"}
		abort := errors.New("abort")
		err := s.InTx(ctx, func(ctx context.Context) error {
			if _, err := m.CreateOutage(ctx, started, app.OutagePatch{Systems: &systems, PublicText: &text}); err != nil {
				return err
			}
			return abort
		})
		if !errors.Is(err, abort) {
			t.Fatalf("InTx: %v", err)
		}
		enti := []string{"firenze"}
		o, err := m.CreateOutage(ctx, started, app.OutagePatch{Systems: &systems, Enti: &enti, PublicText: &text})
		if err != nil {
			t.Fatal(err)
		}
		jobstest.WaitFor(t, "outage.created", func() bool { return len(r.Messages()) >= 1 })
		time.Sleep(300 * time.Millisecond) // the rolled back one must not come
		ms := r.Messages()
		if len(ms) != 1 || ms[0].Type != "outage.created" || ms[0].Data["id"] != float64(o.ID) ||
			ms[0].Data["public_text"] != text || ms[0].Data["proposed"] != false {
			t.Fatalf("got %+v, want one outage.created of outage %d", ms, o.ID)
		}
		if ss, _ := ms[0].Data["systems"].([]any); len(ss) != 1 || ss[0] != "CSCMS" {
			t.Errorf("systems %v", ms[0].Data["systems"])
		}
		began := started.Add(5 * time.Minute)
		told := began.Add(10 * time.Minute)
		if _, err := m.PatchOutage(ctx, o.ID, app.OutagePatch{InterventionStartedAt: &began, OfficesNoticeAt: &told}); err != nil {
			t.Fatal(err)
		}
		jobstest.WaitFor(t, "outage.updated", func() bool { return len(r.Messages()) >= 2 })
		if got := r.Messages()[1]; got.Type != "outage.updated" || got.Data["intervention_started_at"] == nil ||
			got.Data["offices_notice_at"] != told.Format(time.RFC3339) || got.Data["users_notice_at"] != nil {
			t.Fatalf("second message %+v", got)
		}
		// A failed patch changes nothing and tells nobody.
		before := started.Add(-time.Hour)
		if _, err := m.PatchOutage(ctx, o.ID, app.OutagePatch{EndedAt: &before}); domain.ErrorCode(err) != domain.CodeInvalid {
			t.Fatalf("patch ending before the start: %v, want invalid", err)
		}
		down := domain.MonitoringEvent{At: time.Now().UTC().Add(-time.Minute).Truncate(time.Second), Host: "csicms", Service: "HTTP",
			State: "CRITICAL", Hard: true, Attempt: 3, Output: "HTTP CRITICAL - timeout"}
		if _, err := m.Record(ctx, down); err != nil {
			t.Fatal(err)
		}
		jobstest.WaitFor(t, "the proposal", func() bool { return len(r.Messages()) >= 3 })
		time.Sleep(300 * time.Millisecond)
		ms = r.Messages()
		if len(ms) != 3 || ms[2].Type != "outage.created" || ms[2].Data["proposed"] != true {
			t.Fatalf("got %+v, want a third message proposing an outage of CSICMS", ms)
		}
		if ss, _ := ms[2].Data["systems"].([]any); len(ss) != 1 || ss[0] != "CSICMS" {
			t.Errorf("proposed systems %v", ms[2].Data["systems"])
		}
	})
}

// TestImportedDownStateProposesAnOutageWithItsNotice: a nagios.log import
// (on PostgreSQL the COPY path, in its own transaction) that proposes an
// outage enqueues its outage.created with it; an import that fails on a
// bad line rolls back and tells nobody.
func TestImportedDownStateProposesAnOutageWithItsNotice(t *testing.T) {
	repotest.Each(t, func(t *testing.T, s *repository.Store) {
		d := startDesk(t, s, fastRetry)
		r := jobstest.NewReceiver(t)
		d.register(t, r, "outage.created")
		m := app.NewMonitoring(s, time.Now)
		at := time.Now().Add(-time.Hour).Unix()
		bad := fmt.Sprintf("[%d] SERVICE ALERT: csicms;HTTP;CRITICAL;HARD;3;timeout\nnot a log line\n", at)
		if _, err := m.ImportLog(context.Background(), strings.NewReader(bad)); err == nil {
			t.Fatal("a log with a bad line was imported")
		}
		good := fmt.Sprintf("[%d] SERVICE ALERT: cscms;HTTP;CRITICAL;HARD;3;HTTP CRITICAL - timeout\n", at)
		if _, err := m.ImportLog(context.Background(), strings.NewReader(good)); err != nil {
			t.Fatal(err)
		}
		jobstest.WaitFor(t, "the proposal's outage.created", func() bool { return len(r.Messages()) >= 1 })
		time.Sleep(300 * time.Millisecond)
		ms := r.Messages()
		if len(ms) != 1 || ms[0].Data["proposed"] != true {
			t.Fatalf("got %+v, want one proposed outage.created", ms)
		}
		if ss, _ := ms[0].Data["systems"].([]any); len(ss) != 1 || ss[0] != "CSCMS" {
			t.Errorf("systems %v, want CSCMS (the rolled back import's CSICMS must not come)", ms[0].Data["systems"])
		}
	})
}
