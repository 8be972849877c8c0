package app

import (
	"context"
	"errors"
	"time"

	"github.com/cst-firenze/helpdesk/domain"
)

// DeadlineStore is what the deadline preview needs from persistence.
type DeadlineStore interface {
	GetEnte(ctx context.Context, code string) (domain.Ente, error)
	Calendar(ctx context.Context, enteCode string) (domain.Calendar, error)
	SLATargets(ctx context.Context) (domain.SLATargets, error)
}

// Deadlines previews deadlines on an ente's calendar without opening
// anything, so an operator can tell an ente when an answer is due.
type Deadlines struct{ store DeadlineStore }

// NewDeadlines builds the deadline preview.
func NewDeadlines(store DeadlineStore) *Deadlines { return &Deadlines{store: store} }

// DeadlineQuery asks for the deadline from From on Ente's calendar of
// exactly one of: WorkingMinutes of working time, a Tier, an SLA's target
// in force.
type DeadlineQuery struct {
	Ente           string
	From           time.Time
	WorkingMinutes *int
	Tier           domain.Tier
	SLA            domain.SLACode
}

// maxPreviewMinutes bounds a preview to a working year or so, so that one
// request cannot walk the calendar for long.
const maxPreviewMinutes = 300 * 24 * 60

// Preview answers the deadline and the rule that produced it.
func (u *Deadlines) Preview(ctx context.Context, q DeadlineQuery) (domain.DeadlinePreview, error) {
	var fe []domain.FieldError
	if q.Ente == "" {
		fe = append(fe, domain.FieldError{Field: "ente", Detail: "is required"})
	}
	if q.From.IsZero() {
		fe = append(fe, domain.FieldError{Field: "from", Detail: "is required: an RFC 3339 instant"})
	} else if y := q.From.Year(); y < 1977 || y > 2200 {
		// The holiday rules are modelled from 1977 on, like the calendar's years.
		fe = append(fe, domain.FieldError{Field: "from", Detail: "must be between 1977 and 2200"})
	}
	given := 0
	if q.WorkingMinutes != nil {
		given++
		if *q.WorkingMinutes < 1 || *q.WorkingMinutes > maxPreviewMinutes {
			fe = append(fe, domain.FieldError{Field: "working_minutes", Detail: "must be between 1 and 432000"})
		}
	}
	if q.Tier != "" {
		given++
		if !q.Tier.Valid() {
			fe = append(fe, domain.FieldError{Field: "tier", Detail: "must be one of 30m, 4h, 8h, nbd"})
		}
	}
	if q.SLA != "" {
		given++
		if q.SLA != domain.SLATakeInCharge && q.SLA != domain.SLAFirstReply && q.SLA != domain.SLAPhoneIntervention {
			fe = append(fe, domain.FieldError{Field: "sla", Detail: "must be SLA.6, SLA.7 or SLA.8"})
		}
	}
	if given != 1 {
		fe = append(fe, domain.FieldError{Field: "working_minutes", Detail: "give exactly one of working_minutes, tier, sla"})
	}
	if len(fe) > 0 {
		return domain.DeadlinePreview{}, domain.Invalid("the deadline query is not valid", fe...)
	}
	if _, err := u.store.GetEnte(ctx, q.Ente); err != nil {
		if errors.Is(err, domain.ErrNotFound) {
			return domain.DeadlinePreview{}, domain.Invalid("there is no such ente", domain.FieldError{Field: "ente", Detail: "is not a known ente code"})
		}
		return domain.DeadlinePreview{}, err
	}
	cal, err := u.store.Calendar(ctx, q.Ente)
	if err != nil {
		return domain.DeadlinePreview{}, err
	}
	switch {
	case q.WorkingMinutes != nil:
		return domain.PreviewWorking(cal, q.From, time.Duration(*q.WorkingMinutes)*time.Minute), nil
	case q.Tier != "":
		return domain.PreviewTier(cal, q.From, q.Tier), nil
	}
	targets, err := u.store.SLATargets(ctx)
	if err != nil {
		return domain.DeadlinePreview{}, err
	}
	for _, tg := range targets {
		if tg.Code == q.SLA {
			return domain.PreviewSLA(cal, q.From, tg), nil
		}
	}
	return domain.DeadlinePreview{}, domain.Errorf(domain.CodeInternal, "no target for %s", q.SLA)
}
