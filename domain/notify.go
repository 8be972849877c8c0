package domain

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"time"
)

// EventType names something that happened, as webhooks and e-mail see it.
type EventType string

// The event types a webhook can subscribe to.
const (
	EventTicketCreated        EventType = "ticket.created"
	EventTicketStatusChanged  EventType = "ticket.status_changed"
	EventTicketEscalated      EventType = "ticket.escalated"
	EventTicketReplied        EventType = "ticket.replied"
	EventTicketWaiting        EventType = "ticket.waiting"
	EventTicketResumed        EventType = "ticket.resumed"
	EventSLAWarning           EventType = "sla.warning"
	EventSLABreached          EventType = "sla.breached"
	EventInterventionCreated  EventType = "intervention.requested"
	EventInterventionSchedule EventType = "intervention.scheduled"
	EventInterventionStarted  EventType = "intervention.started"
	EventInterventionDone     EventType = "intervention.completed"
	EventInterventionCancel   EventType = "intervention.cancelled"
	EventOutageCreated        EventType = "outage.created"
	EventOutageUpdated        EventType = "outage.updated"
	EventWebhookDisabled      EventType = "webhook.disabled"
)

// EventTypes lists every event type in a stable order.
var EventTypes = []EventType{
	EventTicketCreated, EventTicketStatusChanged, EventTicketEscalated, EventTicketReplied,
	EventTicketWaiting, EventTicketResumed, EventSLAWarning, EventSLABreached,
	EventInterventionCreated, EventInterventionSchedule, EventInterventionStarted,
	EventInterventionDone, EventInterventionCancel, EventOutageCreated, EventOutageUpdated,
	EventWebhookDisabled,
}

// The actions the sweeper records on a ticket when a clock nears or
// passes its deadline. They are history, not operator actions.
const (
	ActionSLAWarning  Action = "sla_warning"
	ActionSLABreached Action = "sla_breached"
)

// Notice is one event to tell people about, with the objects it concerns
// as they were when it happened.
type Notice struct {
	Type         EventType
	At           time.Time
	Ticket       *Ticket
	Event        *Event // the ticket event that caused it
	Clock        *SLAClock
	Intervention *Intervention
	IvEvent      *InterventionEvent
	Outage       *Outage
	Webhook      *Webhook
}

// ticketActionEvents maps ticket actions to event types by the action's
// name, so that actions added later (wait, resume) map without a change
// here beyond their line.
var ticketActionEvents = map[Action]EventType{
	ActionOpen:        EventTicketCreated,
	ActionEscalate:    EventTicketEscalated,
	ActionReply:       EventTicketReplied,
	"wait":            EventTicketWaiting,
	"resume":          EventTicketResumed,
	ActionSLAWarning:  EventSLAWarning,
	ActionSLABreached: EventSLABreached,
}

// TicketNotices are the notices a ticket event gives: the action's own
// type, and status_changed when the status moved. Internal notes give
// none.
func TicketNotices(t Ticket, ev Event) []Notice {
	if ev.Internal {
		return nil
	}
	var types []EventType
	if et, ok := ticketActionEvents[ev.Action]; ok {
		types = append(types, et)
	}
	if ev.Action != ActionOpen && ev.FromStatus != ev.ToStatus && ev.ToStatus != "" {
		types = append(types, EventTicketStatusChanged)
	}
	out := make([]Notice, len(types))
	for i, et := range types {
		out[i] = Notice{Type: et, At: ev.At, Ticket: &t, Event: &ev}
	}
	return out
}

// InterventionNotices are the notices an intervention event gives.
func InterventionNotices(iv Intervention, ev InterventionEvent) []Notice {
	et := EventType("intervention." + interventionPast[ev.Action])
	if interventionPast[ev.Action] == "" {
		return nil
	}
	return []Notice{{Type: et, At: ev.At, Intervention: &iv, IvEvent: &ev}}
}

// OutageNotices are the notices an outage change gives: outage.created
// when it is opened (by an operator, or proposed by monitoring),
// outage.updated on every later change.
func OutageNotices(o Outage, created bool) []Notice {
	if created {
		return []Notice{{Type: EventOutageCreated, At: o.CreatedAt, Outage: &o}}
	}
	return []Notice{{Type: EventOutageUpdated, At: o.UpdatedAt, Outage: &o}}
}

var interventionPast = map[InterventionAction]string{
	InterventionRequest: "requested", InterventionSchedule: "scheduled", InterventionStart: "started",
	InterventionComplete: "completed", InterventionCancel: "cancelled",
}

// Webhook is an endpoint that receives signed events.
type Webhook struct {
	ID             int64
	URL            string
	EventTypes     []string // exact types, or a prefix such as "intervention.*", or "*"
	Enabled        bool
	Secret         string // "whsec_" + base64 of the key
	DisabledReason string
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Subscribes reports whether the webhook wants events of type et.
func (w Webhook) Subscribes(et EventType) bool {
	for _, s := range w.EventTypes {
		if s == "*" || s == string(et) || strings.HasSuffix(s, ".*") && strings.HasPrefix(string(et), strings.TrimSuffix(s, "*")) {
			return true
		}
	}
	return false
}

// ValidateWebhook checks an endpoint's URL and subscriptions.
func ValidateWebhook(rawURL string, types []string) error {
	var fe []FieldError
	u, err := url.Parse(rawURL)
	switch {
	case err != nil || u.Host == "" || u.Hostname() == "":
		fe = append(fe, FieldError{Field: "url", Detail: "must be an absolute http or https URL"})
	case u.Scheme != "http" && u.Scheme != "https":
		fe = append(fe, FieldError{Field: "url", Detail: "must use http or https"})
	case u.User != nil:
		fe = append(fe, FieldError{Field: "url", Detail: "must not carry credentials; the signature authenticates the sender"})
	case len(rawURL) > 2000:
		fe = append(fe, FieldError{Field: "url", Detail: "must be at most 2000 characters"})
	}
	if len(types) == 0 {
		fe = append(fe, FieldError{Field: "event_types", Detail: "must name at least one event type"})
	}
	for _, t := range types {
		if !knownSubscription(t) {
			fe = append(fe, FieldError{Field: "event_types", Detail: fmt.Sprintf("%q is not an event type (nor a prefix such as intervention.*)", t)})
		}
	}
	if len(fe) > 0 {
		return Invalid("the webhook is not valid", fe...)
	}
	return nil
}

func knownSubscription(s string) bool {
	if s == "*" {
		return true
	}
	if prefix, ok := strings.CutSuffix(s, ".*"); ok {
		return slices.ContainsFunc(EventTypes, func(et EventType) bool { return strings.HasPrefix(string(et), prefix+".") })
	}
	return slices.Contains(EventTypes, EventType(s))
}

// WebhookSecretPrefix marks a Standard Webhooks signing secret.
const WebhookSecretPrefix = "whsec_"

// WebhookSecret encodes a random key in the Standard Webhooks form.
func WebhookSecret(key []byte) string {
	return WebhookSecretPrefix + base64.StdEncoding.EncodeToString(key)
}

// SignWebhook is the Standard Webhooks signature of a message:
// "v1," + base64(HMAC-SHA256(key, id + "." + timestamp + "." + body)),
// the key being the base64 part of the secret.
func SignWebhook(secret, id string, timestamp time.Time, body []byte) (string, error) {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, WebhookSecretPrefix))
	if err != nil {
		return "", fmt.Errorf("webhook secret: %w", err)
	}
	mac := hmac.New(sha256.New, key)
	fmt.Fprintf(mac, "%s.%d.", id, timestamp.Unix())
	mac.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil)), nil
}

// WebhookRetry is the retry rule of a delivery: exponential backoff from
// First (doubling, at most Max between tries) while the first attempt is
// less than GiveUp old; after that the endpoint is disabled.
type WebhookRetry struct {
	First  time.Duration
	Max    time.Duration
	GiveUp time.Duration
}

// DefaultWebhookRetry retries after 30 s, 1 min, 2 min, ... (at most 2 h
// apart) for a day.
func DefaultWebhookRetry() WebhookRetry {
	return WebhookRetry{First: 30 * time.Second, Max: 2 * time.Hour, GiveUp: 24 * time.Hour}
}

// Delay is the wait after the failed attempt number attempt (1-based).
func (r WebhookRetry) Delay(attempt int) time.Duration {
	d := r.First
	for i := 1; i < attempt && d < r.Max; i++ {
		d *= 2
	}
	return min(d, r.Max)
}

// Exhausted reports whether a delivery first tried at first has been
// retried long enough at now.
func (r WebhookRetry) Exhausted(first, now time.Time) bool {
	return now.Sub(first) >= r.GiveUp
}

// ForbiddenAddress reports whether a webhook may not be sent to ip unless
// private targets are allowed: loopback, link-local, private, unspecified,
// multicast, and the IPv4-mapped forms of those (SSRF).
func ForbiddenAddress(ip netip.Addr) bool {
	ip = ip.Unmap()
	return !ip.IsValid() || ip.IsLoopback() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsInterfaceLocalMulticast() || ip.IsMulticast() || ip.IsPrivate() || ip.IsUnspecified() ||
		cgnat.Contains(ip)
}

// cgnat is the shared address space of carrier-grade NAT, private in all
// but name.
var cgnat = netip.MustParsePrefix("100.64.0.0/10")

// Delivery is one attempt to deliver a message to a webhook.
type Delivery struct {
	ID          int64
	WebhookID   int64
	MessageID   string // the webhook-id header: the same on every retry
	EventType   EventType
	Payload     string
	Attempt     int
	StatusCode  int
	Duration    time.Duration
	Error       string
	AttemptedAt time.Time
}

// Succeeded reports whether the receiver accepted the message (2xx).
func (d Delivery) Succeeded() bool { return d.Error == "" && d.StatusCode >= 200 && d.StatusCode < 300 }

// SLAWarningShare is the default share of a clock's target after which
// operators are warned.
const SLAWarningShare = 0.8

// WarningDue reports whether a running clock has used at least share of its
// target at now (on its basis), so its operators should be warned.
func (c SLAClock) WarningDue(now time.Time, wt WorkingTime, share float64) bool {
	if c.StoppedAt != nil || c.Target <= 0 {
		return false
	}
	left := c.Deadline.Sub(now)
	if c.Basis == BasisWorking && now.Before(c.Deadline) {
		left = wt.Between(now, c.Deadline)
	}
	return float64(c.Target-left) >= share*float64(c.Target)
}

// WarningFrom is the earliest instant WarningDue can hold for share: a
// clock cannot have used share of its target, on either basis, before
// share of it has passed on the calendar since it started (working time
// and pauses only make it later). The store finds the clocks worth a look
// by it without reading every running clock.
func (c SLAClock) WarningFrom(share float64) time.Time {
	return c.StartedAt.Add(time.Duration(share * float64(c.Target)))
}

// WatchedClock is a running clock the SLA sweeper looks at, with its
// ticket's ente (whose calendar it counts on) and whether it was warned.
type WatchedClock struct {
	TicketID int64
	EnteCode string
	Clock    SLAClock
	Warned   bool
}

// Key is where a page of watched clocks, read in deadline order, ends.
func (w WatchedClock) Key() ClockKey {
	return ClockKey{Deadline: w.Clock.Deadline, TicketID: w.TicketID, Code: w.Clock.Code}
}

// ClockKey orders watched clocks: by deadline, then ticket and code. The
// zero key comes before every clock.
type ClockKey struct {
	Deadline time.Time
	TicketID int64
	Code     SLACode
}

// ClockNotice is what the sweeper records about a watched clock at now:
// a breach once the deadline has passed, else a warning once share of the
// target is used; "" when nothing is due.
func (w WatchedClock) ClockNotice(now time.Time, wt WorkingTime, share float64) Action {
	switch {
	case w.Clock.State(now) == SLABreached:
		return ActionSLABreached
	case !w.Warned && w.Clock.WarningDue(now, wt, share):
		return ActionSLAWarning
	}
	return ""
}

// Mail is one e-mail the service sends, kept with its outcome.
type Mail struct {
	ID        int64
	Kind      EventType
	To        string
	Subject   string
	Body      string
	TicketID  *int64
	OutageID  *int64         // the outage a notice is about
	Notice    NoticeAudience // the notice it gives, whose time its send records; "" for other mail
	Status    MailStatus
	Error     string
	CreatedAt time.Time
	SendAt    time.Time // not before: operators' mail waits for the ente's working hours
	SentAt    *time.Time
}

// MailStatus is where a mail stands.
type MailStatus string

// Mail statuses.
const (
	MailQueued MailStatus = "queued"
	MailSent   MailStatus = "sent"
	MailFailed MailStatus = "failed" // the last attempt failed; it is retried until River gives up
)
