package app

import (
	"context"
	"fmt"
	"time"

	"github.com/cst-firenze/helpdesk/domain"
)

// SweepStore is what the SLA sweeper needs from persistence.
type SweepStore interface {
	Calendar(ctx context.Context, enteCode string) (domain.Calendar, error)
	WatchedClocks(ctx context.Context, now time.Time, share float64, after domain.ClockKey, limit int) ([]domain.WatchedClock, error)
	NoteClock(ctx context.Context, ticketID int64, code domain.SLACode, ev domain.Event) (bool, error)
}

// SLASweeper finds the clocks nearing or past their deadline and records
// each warning and breach once, as a ticket event whose notice goes out
// to webhooks and e-mail.
type SLASweeper struct {
	store SweepStore
	now   Clock
	share float64
}

// NewSLASweeper builds the sweeper; share is the part of a clock's target
// after which operators are warned (0 means domain.SLAWarningShare).
func NewSLASweeper(store SweepStore, now Clock, share float64) *SLASweeper {
	if share <= 0 || share >= 1 {
		share = domain.SLAWarningShare
	}
	return &SLASweeper{store: store, now: now, share: share}
}

// SweepResult counts what one sweep recorded.
type SweepResult struct{ Warnings, Breaches int }

// sweepPage is how many clocks a sweep reads at a time: its memory is
// bounded by the page, not by the open queue.
const sweepPage = 500

// Sweep looks at every clock that may be due a notice now, a page at a
// time.
func (u *SLASweeper) Sweep(ctx context.Context) (SweepResult, error) {
	var res SweepResult
	now := u.now.read()
	cals := map[string]domain.Calendar{}
	for after := (domain.ClockKey{}); ; {
		clocks, err := u.store.WatchedClocks(ctx, now, u.share, after, sweepPage)
		if err != nil {
			return res, err
		}
		for _, w := range clocks {
			if err := u.note(ctx, now, cals, w, &res); err != nil {
				return res, err
			}
		}
		if len(clocks) < sweepPage {
			return res, nil
		}
		after = clocks[len(clocks)-1].Key()
	}
}

// note records what one watched clock is due at now, if anything.
func (u *SLASweeper) note(ctx context.Context, now time.Time, cals map[string]domain.Calendar, w domain.WatchedClock, res *SweepResult) error {
	cal, ok := cals[w.EnteCode]
	if !ok {
		var err error
		if cal, err = u.store.Calendar(ctx, w.EnteCode); err != nil {
			return err
		}
		cals[w.EnteCode] = cal
	}
	action := w.ClockNotice(now, cal, u.share)
	if action == "" {
		return nil
	}
	body := fmt.Sprintf("%s: %.0f%% del tempo usato, scadenza %s", w.Clock.Code, u.share*100, w.Clock.Deadline.In(cal.Location).Format("02/01/2006 15:04"))
	if action == domain.ActionSLABreached {
		body = fmt.Sprintf("%s: scaduto il %s", w.Clock.Code, w.Clock.Deadline.In(cal.Location).Format("02/01/2006 15:04"))
	}
	noted, err := u.store.NoteClock(ctx, w.TicketID, w.Clock.Code,
		domain.Event{Action: action, ActorName: "sistema", At: now, Body: body, Internal: true})
	if err != nil {
		return err
	}
	switch {
	case !noted:
	case action == domain.ActionSLABreached:
		res.Breaches++
	default:
		res.Warnings++
	}
	return nil
}
