package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/cst-firenze/helpdesk/app"
	"github.com/cst-firenze/helpdesk/domain"
)

// requestInstant parses an optional RFC 3339 instant of a request body,
// naming field when it is not one; nil gives the zero time.
func requestInstant(field string, v *string) (time.Time, error) {
	if v == nil {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, *v)
	if err != nil {
		return time.Time{}, domain.Invalid(field+" is not a time", domain.FieldError{Field: field, Detail: "must be an RFC 3339 instant"})
	}
	return t.UTC().Truncate(time.Microsecond), nil
}

// waitJSON is the waiting state ("in attesa") of a ticket or intervention
// as at the read: waiting is false and the rest null when it is not
// waiting (a wait whose until has passed is over).
type waitJSON struct {
	Waiting     bool              `json:"waiting"`
	PausedSince *time.Time        `json:"paused_since"`
	WaitingOn   *domain.WaitingOn `json:"waiting_on"`
	WaitUntil   *time.Time        `json:"wait_until"`
	WaitReason  *string           `json:"wait_reason"`
}

func (s *Server) waitJSON(w *domain.Waiting, now time.Time) waitJSON {
	if !w.Active(now) {
		return waitJSON{}
	}
	since, on, reason := s.local(w.Since), w.On, w.Reason
	return waitJSON{Waiting: true, PausedSince: &since, WaitingOn: &on, WaitUntil: s.localPtr(w.Until), WaitReason: &reason}
}

type waitRequest struct {
	Reason    string           `json:"reason"`
	WaitingOn domain.WaitingOn `json:"waiting_on"`
	Until     *string          `json:"until"`
}

func (r waitRequest) command() (domain.WaitCommand, error) {
	w := domain.WaitCommand{On: r.WaitingOn, Reason: r.Reason}
	if r.Until != nil {
		u, err := requestInstant("until", r.Until)
		if err != nil {
			return w, err
		}
		w.Until = &u
	}
	return w, nil
}

// ticketWait puts a ticket on hold, honouring If-Match.
func (s *Server) ticketWait(c *gin.Context) {
	var req waitRequest
	if _, err := s.bindJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	w, err := req.command()
	if err != nil {
		fail(c, err)
		return
	}
	id, want, err := actionTarget(c)
	if err != nil {
		fail(c, err)
		return
	}
	t, err := s.tickets.Wait(c.Request.Context(), mustPrincipal(c), id, w, want)
	if err != nil {
		fail(c, err)
		return
	}
	writeJSON(c, http.StatusOK, t.Version, s.ticketJSON(t, s.now()))
}

// actionTarget reads the id of the path and the version of If-Match
// (app.AnyVersion without one) of an action.
func actionTarget(c *gin.Context) (id int64, version int, err error) {
	want, hasIfMatch, err := ifMatch(c)
	if err != nil {
		return 0, 0, err
	}
	if id, err = pathID(c, "id"); err != nil {
		return 0, 0, err
	}
	if !hasIfMatch {
		want = app.AnyVersion
	}
	return id, want, nil
}

// boolean reads true or false.
func (l *listParams) boolean(name string) *bool {
	switch v := l.q.Get(name); v {
	case "":
		return nil
	case "true", "false":
		b := v == "true"
		return &b
	}
	l.bad(name, "must be true or false")
	return nil
}

type skippedDayJSON struct {
	Date   string `json:"date"`
	Why    string `json:"why"`
	Detail string `json:"detail,omitempty"`
}

type deadlineRuleJSON struct {
	Kind    string           `json:"kind"`
	Name    string           `json:"name,omitempty"`
	Basis   domain.Basis     `json:"basis"`
	Minutes int64            `json:"minutes"`
	Starts  time.Time        `json:"starts"`
	Text    string           `json:"text"`
	Skipped []skippedDayJSON `json:"skipped"`
}

type deadlineJSON struct {
	Ente     string           `json:"ente"`
	From     time.Time        `json:"from"`
	Deadline time.Time        `json:"deadline"`
	Rule     deadlineRuleJSON `json:"rule"`
}

var deadlineQuery = map[string]bool{"ente": true, "from": true, "working_minutes": true, "tier": true, "sla": true}

// calendarDeadline previews a deadline on an ente's calendar.
func (s *Server) calendarDeadline(c *gin.Context) {
	l := s.listParams(c, deadlineQuery)
	q := app.DeadlineQuery{Ente: l.q.Get("ente"), Tier: domain.Tier(l.q.Get("tier")), SLA: domain.SLACode(l.q.Get("sla"))}
	if from := l.instant("from"); from != nil {
		q.From = *from
	}
	if v := l.q.Get("working_minutes"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			l.bad("working_minutes", "must be a whole number of minutes")
		} else {
			q.WorkingMinutes = &n
		}
	}
	if err := l.err(); err != nil {
		fail(c, err)
		return
	}
	p, err := s.deadlines.Preview(c.Request.Context(), q)
	if err != nil {
		fail(c, err)
		return
	}
	out := deadlineJSON{Ente: q.Ente, From: p.From, Deadline: p.Deadline, Rule: deadlineRuleJSON{
		Kind: p.Rule.Kind, Name: p.Rule.Name, Basis: p.Rule.Basis, Minutes: p.Rule.Minutes, Starts: p.Rule.Starts,
		Text: p.Rule.Text, Skipped: []skippedDayJSON{},
	}}
	for _, d := range p.Rule.Skipped {
		out.Rule.Skipped = append(out.Rule.Skipped, skippedDayJSON{Date: d.Date.Format("2006-01-02"), Why: d.Why, Detail: d.Detail})
	}
	c.JSON(http.StatusOK, out)
}
