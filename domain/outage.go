package domain

import (
	"slices"
	"strconv"
	"strings"
	"time"
)

// Outage is an interruption of service ("interruzione"): when it started,
// when the intervention on it started, when it ended, whether it was
// planned, and what it touched. The notices are the SLA.9 (to the ente's
// offices) and SLA.10 (to users) communications, with their times.
type Outage struct {
	ID                    int64
	StartedAt             time.Time
	InterventionStartedAt *time.Time
	EndedAt               *time.Time
	Planned               bool
	Proposed              bool // opened by monitoring, waiting for an operator to confirm it
	Cause                 string
	PublicText            string
	Systems               []string
	Enti                  []string
	OfficesNoticeAt       *time.Time // SLA.9
	UsersNoticeAt         *time.Time // SLA.10
	CreatedAt, UpdatedAt  time.Time
	Version               int
}

// NoticeOutcome is where a notice SLA of an outage stands.
type NoticeOutcome string

// Outcomes of SLA.9 and SLA.10.
const (
	NoticeMet           NoticeOutcome = "met"
	NoticeMissed        NoticeOutcome = "missed"
	NoticePending       NoticeOutcome = "pending"        // still within its time, or the intervention has not started
	NoticeNotApplicable NoticeOutcome = "not_applicable" // planned (SLA.9) or not longer than 30 minutes (SLA.10)
)

// Notice windows, in calendar minutes from the start of the intervention:
// an outage at night is still an outage.
const (
	OfficesNoticeWithin = 30 * time.Minute // SLA.9
	UsersNoticeWithin   = 60 * time.Minute // SLA.10
	UsersNoticeOver     = 30 * time.Minute // SLA.10 applies to outages longer than this
)

// Validate checks an outage's times and lists.
func (o Outage) Validate() error {
	var fe []FieldError
	if o.StartedAt.IsZero() {
		fe = append(fe, FieldError{Field: "started_at", Detail: "is required"})
	}
	if o.InterventionStartedAt != nil && o.InterventionStartedAt.Before(o.StartedAt) {
		fe = append(fe, FieldError{Field: "intervention_started_at", Detail: "cannot be before started_at"})
	}
	if o.EndedAt != nil && !o.EndedAt.After(o.StartedAt) {
		fe = append(fe, FieldError{Field: "ended_at", Detail: "must be after started_at"})
	}
	if len(o.Systems) == 0 && len(o.Enti) == 0 {
		fe = append(fe, FieldError{Field: "systems", Detail: "an outage affects at least one system or ente"})
	}
	if len(o.Cause) > 2000 || len(o.PublicText) > 2000 {
		fe = append(fe, FieldError{Field: "cause", Detail: "cause and public_text are at most 2000 characters"})
	}
	for _, n := range []struct {
		field string
		at    *time.Time
	}{{"offices_notice_at", o.OfficesNoticeAt}, {"users_notice_at", o.UsersNoticeAt}} {
		if n.at != nil && n.at.Before(o.StartedAt) {
			fe = append(fe, FieldError{Field: n.field, Detail: "cannot be before started_at"})
		}
	}
	if strings.TrimSpace(o.PublicText) == "" && o.UsersNoticeAt != nil {
		fe = append(fe, FieldError{Field: "public_text", Detail: "a notice to users needs the text they were given"})
	}
	if len(fe) > 0 {
		return Invalid("the outage is not valid", fe...)
	}
	return nil
}

// ProposesOutage reports whether a state change should propose an outage
// of a system: a HARD CRITICAL, DOWN or UNREACHABLE of a customer-facing
// one (the others do not interrupt a service to users).
func ProposesOutage(ev MonitoringEvent, sys MonitoringSystem) bool {
	return sys.CustomerFacing && ev.IsDown() && slices.Contains(sys.Probes, ev.Probe())
}

// Affects reports whether the outage touches the ente.
func (o Outage) Affects(ente string) bool { return contains(o.Enti, ente) }

// noticeOutcome judges a notice due within `within` of the intervention's
// start.
func (o Outage) noticeOutcome(notice *time.Time, within time.Duration, now time.Time) NoticeOutcome {
	if o.InterventionStartedAt == nil {
		return NoticePending
	}
	deadline := o.InterventionStartedAt.Add(within)
	switch {
	case notice != nil && !notice.After(deadline):
		return NoticeMet
	case notice != nil || now.After(deadline):
		return NoticeMissed
	default:
		return NoticePending
	}
}

// SLA9 is the notice to the ente's offices: within 30 minutes of the start
// of the intervention, for unplanned interruptions only.
func (o Outage) SLA9(now time.Time) NoticeOutcome {
	if o.Planned {
		return NoticeNotApplicable
	}
	return o.noticeOutcome(o.OfficesNoticeAt, OfficesNoticeWithin, now)
}

// SLA10 is the notice to users: within 60 minutes of the start of the
// intervention, only for interruptions longer than 30 minutes (an outage
// still running counts up to now).
func (o Outage) SLA10(now time.Time) NoticeOutcome {
	end := now
	if o.EndedAt != nil {
		end = *o.EndedAt
	}
	if end.Sub(o.StartedAt) <= UsersNoticeOver {
		if o.EndedAt != nil {
			return NoticeNotApplicable
		}
		return NoticePending
	}
	return o.noticeOutcome(o.UsersNoticeAt, UsersNoticeWithin, now)
}

// NoticeAudience is who an outage notice goes to by e-mail: the affected
// enti's offices (SLA.9) or their users (SLA.10).
type NoticeAudience string

// The audiences of outage notices.
const (
	NoticeOffices NoticeAudience = "offices"
	NoticeUsers   NoticeAudience = "users"
)

// MailKind is the kind of the mails of a notice to the audience, in the
// mail log (not a webhook event).
func (a NoticeAudience) MailKind() EventType { return EventType("outage.notice_" + string(a)) }

// CanSendNotice says whether a notice to the audience may be sent by
// e-mail: to a known audience, of an outage an operator has confirmed,
// that names the enti it affects and the text they are to read.
func (o Outage) CanSendNotice(a NoticeAudience) error {
	switch {
	case a != NoticeOffices && a != NoticeUsers:
		return Invalid("the notice is not valid", FieldError{Field: "audience", Detail: "must be offices or users"})
	case o.Proposed:
		return Errorf(CodeConflict, "outage %d was proposed by monitoring: confirm it before telling anyone", o.ID)
	case len(o.Enti) == 0:
		return Errorf(CodeUnprocessable, "outage %d names no affected ente to tell", o.ID)
	case strings.TrimSpace(o.PublicText) == "":
		return Errorf(CodeUnprocessable, "outage %d has no public_text to send", o.ID)
	}
	return nil
}

// RecordNotice records that the notice to the audience was given at at
// and reports whether that changed the outage: the first notice recorded
// wins, so a later send (or one after a time set by hand) moves nothing.
// A notice sent before the outage started (a planned one announced in
// advance) is recorded at the start: it had been given by then.
func (o *Outage) RecordNotice(a NoticeAudience, at time.Time) bool {
	dst := &o.OfficesNoticeAt
	if a == NoticeUsers {
		dst = &o.UsersNoticeAt
	}
	if *dst != nil {
		return false
	}
	at = at.UTC()
	if at.Before(o.StartedAt) {
		at = o.StartedAt.UTC()
	}
	*dst = &at
	return true
}

// OutageReportDelivery is one delivery of the SLA.11 malfunction report:
// the period it covers and when it was sent.
type OutageReportDelivery struct {
	ID          int64
	From, To    time.Time
	DeliveredAt time.Time
	Note        string
}

// Validate checks a delivery.
func (d OutageReportDelivery) Validate() error {
	var fe []FieldError
	if d.From.IsZero() || d.To.IsZero() || !d.From.Before(d.To) {
		fe = append(fe, FieldError{Field: "to", Detail: "from and to are required, to after from"})
	}
	if d.DeliveredAt.IsZero() {
		fe = append(fe, FieldError{Field: "delivered_at", Detail: "is required"})
	}
	if len(d.Note) > 2000 {
		fe = append(fe, FieldError{Field: "note", Detail: "is at most 2000 characters"})
	}
	if len(fe) > 0 {
		return Invalid("the delivery is not valid", fe...)
	}
	return nil
}

// SLA11TargetMonths is the contract's frequency of the malfunction report.
const SLA11TargetMonths = 6

// SLA11Outcome is the measured frequency of the malfunction report over a
// period: its length in months over the deliveries made in it.
type SLA11Outcome struct {
	Deliveries     int
	EveryMonths    float64 // 0 when there was no delivery
	Known          bool
	Better, Missed bool // Better: more often than the target ("Prestazione migliorativa")
}

// MeasureSLA11 counts the deliveries made in [from, to) and the interval
// they give, in months (rounded to one decimal), against every 6 months.
func MeasureSLA11(from, to time.Time, deliveries []OutageReportDelivery) SLA11Outcome {
	var o SLA11Outcome
	for _, d := range deliveries {
		if !d.DeliveredAt.Before(from) && d.DeliveredAt.Before(to) {
			o.Deliveries++
		}
	}
	months := monthsBetween(from, to)
	if o.Deliveries == 0 {
		// A period shorter than the target cannot miss it yet.
		o.Missed = months >= SLA11TargetMonths
		o.Known = o.Missed
		return o
	}
	o.Known = true
	o.EveryMonths = float64(int(months/float64(o.Deliveries)*10+0.5)) / 10
	o.Better = o.EveryMonths < SLA11TargetMonths
	o.Missed = o.EveryMonths > SLA11TargetMonths
	return o
}

// monthsBetween is the length of [from, to) in months, whole months
// counted on the calendar and the rest as a fraction of 30 days.
func monthsBetween(from, to time.Time) float64 {
	n := 0
	for !from.AddDate(0, n+1, 0).After(to) {
		n++
	}
	rest := to.Sub(from.AddDate(0, n, 0))
	return float64(n) + rest.Hours()/(30*24)
}

// ItalianSLA11 writes the measured frequency and the deviation as the
// report does: "Ogni 3 mesi", "Prestazione migliorativa".
func (o SLA11Outcome) ItalianSLA11() (measured, deviation string) {
	switch {
	case !o.Known:
		return "n.d.", "n.d."
	case o.Deliveries == 0:
		return "nessun invio", "Non rispettato"
	}
	m := strconv.FormatFloat(o.EveryMonths, 'f', -1, 64)
	measured = "Ogni " + strings.Replace(m, ".", ",", 1) + " mesi"
	switch {
	case o.Better:
		return measured, "Prestazione migliorativa"
	case o.Missed:
		return measured, "Non rispettato"
	}
	return measured, "-"
}
