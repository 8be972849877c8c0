package api

import (
	"errors"
	"math"
	"strconv"
	"time"
	"unicode/utf8"
)

// The ticket is the API's most read body (its get, every action's answer,
// each item of a list). encoding/json writes it by reflection, and each of
// its dozen instants through time.Time's MarshalJSON, whose output it then
// scans again to compact it: 12% of a get's server CPU at 1M tickets. The
// encoder below writes the same bytes directly; TestTicketJSONAsEncodingJSON
// holds it to encoding/json's output, byte for byte, over random tickets
// whose every field is set or empty, so a field added to ticketJSON or
// slaClockJSON and not here fails it.

// MarshalJSON lets encoding/json embed a ticket (in a list, a stored
// answer) by the same encoder.
func (t ticketJSON) MarshalJSON() ([]byte, error) {
	return t.appendJSON(make([]byte, 0, 1536))
}

// appendJSON appends the JSON object encoding/json would write for t.
func (t *ticketJSON) appendJSON(b []byte) ([]byte, error) {
	w := jsonWriter{b: b}
	w.raw(`{"id":`)
	w.int(t.ID)
	w.key("ente")
	w.str(t.Ente)
	w.key("subject")
	w.str(t.Subject)
	w.key("description")
	w.str(t.Description)
	w.key("service")
	w.str(t.Service)
	w.key("channel")
	w.str(string(t.Channel))
	w.key("level")
	w.int(int64(t.Level))
	w.key("status")
	w.str(string(t.Status))
	w.key("assignee_id")
	w.intPtr(t.AssigneeID)
	w.key("opened_by")
	w.intPtr(t.OpenedBy)
	w.key("opened_at")
	w.time(t.OpenedAt)
	w.key("received_at")
	w.time(t.ReceivedAt)
	w.key("entered_at")
	w.time(t.EnteredAt)
	w.key("updated_at")
	w.time(t.UpdatedAt)
	w.key("closed_at")
	w.timePtr(t.ClosedAt)
	if t.Reason != "" {
		w.key("reason")
		w.str(t.Reason)
	}
	if t.ExternalID != "" {
		w.key("external_id")
		w.str(t.ExternalID)
	}
	w.key("version")
	w.int(int64(t.Version))
	w.key("sla")
	if t.SLA == nil {
		w.raw("null")
	} else {
		w.raw("[")
		for i := range t.SLA {
			if i > 0 {
				w.raw(",")
			}
			t.SLA[i].appendJSON(&w)
		}
		w.raw("]")
	}
	w.key("waiting")
	w.bool(t.Waiting)
	w.key("paused_since")
	w.timePtr(t.waitJSON.PausedSince)
	w.key("waiting_on")
	if t.WaitingOn == nil {
		w.raw("null")
	} else {
		w.str(string(*t.WaitingOn))
	}
	w.key("wait_until")
	w.timePtr(t.WaitUntil)
	w.key("wait_reason")
	if t.WaitReason == nil {
		w.raw("null")
	} else {
		w.str(*t.WaitReason)
	}
	w.raw("}")
	return w.b, w.err
}

func (c *slaClockJSON) appendJSON(w *jsonWriter) {
	w.raw(`{"code":`)
	w.str(string(c.Code))
	w.key("description")
	w.str(c.Description)
	w.key("target_minutes")
	w.int(c.TargetMinutes)
	w.key("basis")
	w.str(string(c.Basis))
	w.key("started_at")
	w.time(c.StartedAt)
	w.key("deadline")
	w.time(c.Deadline)
	w.key("stopped_at")
	w.timePtr(c.StoppedAt)
	w.key("state")
	w.str(string(c.State))
	w.key("elapsed_minutes")
	if c.ElapsedMinutes == nil {
		w.raw("null")
	} else {
		w.float(*c.ElapsedMinutes)
	}
	w.key("paused_since")
	w.timePtr(c.PausedSince)
	w.key("paused_minutes")
	w.float(c.PausedMinutes)
	w.raw("}")
}

// jsonWriter appends JSON values as encoding/json writes them (HTML-safe
// strings, RFC 3339 instants, shortest floats); the first value it cannot
// write is its error.
type jsonWriter struct {
	b   []byte
	err error
}

func (w *jsonWriter) raw(s string) { w.b = append(w.b, s...) }

// key writes the comma and the name before a member that is not the first.
func (w *jsonWriter) key(name string) {
	w.b = append(w.b, ',', '"')
	w.b = append(w.b, name...)
	w.b = append(w.b, '"', ':')
}

func (w *jsonWriter) int(v int64) { w.b = strconv.AppendInt(w.b, v, 10) }

func (w *jsonWriter) intPtr(v *int64) {
	if v == nil {
		w.raw("null")
		return
	}
	w.int(*v)
}

func (w *jsonWriter) bool(v bool) { w.b = strconv.AppendBool(w.b, v) }

// time writes t as time.Time's MarshalJSON does, which refuses a year
// outside 0–9999.
func (w *jsonWriter) time(t time.Time) {
	if y := t.Year(); y < 0 || y > 9999 {
		w.fail(errors.New("time: year outside of range [0,9999]"))
		return
	}
	w.b = append(w.b, '"')
	w.b = t.AppendFormat(w.b, time.RFC3339Nano)
	w.b = append(w.b, '"')
}

func (w *jsonWriter) timePtr(t *time.Time) {
	if t == nil {
		w.raw("null")
		return
	}
	w.time(*t)
}

// float writes f as encoding/json does: the shortest form, in exponent
// notation below 1e-6 and from 1e21, with a one-digit negative exponent.
func (w *jsonWriter) float(f float64) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		w.fail(errors.New("json: unsupported value: " + strconv.FormatFloat(f, 'g', -1, 64)))
		return
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	w.b = strconv.AppendFloat(w.b, f, format, -1, 64)
	if format == 'e' {
		if n := len(w.b); n >= 4 && w.b[n-4] == 'e' && w.b[n-3] == '-' && w.b[n-2] == '0' {
			w.b[n-2] = w.b[n-1]
			w.b = w.b[:n-1]
		}
	}
}

func (w *jsonWriter) fail(err error) {
	if w.err == nil {
		w.err = err
	}
}

const hexDigits = "0123456789abcdef"

// htmlSafe is true for the ASCII bytes encoding/json writes as they are.
var htmlSafe = func() (set [utf8.RuneSelf]bool) {
	for b := byte(' '); b < utf8.RuneSelf; b++ {
		set[b] = b != '"' && b != '\\' && b != '<' && b != '>' && b != '&'
	}
	return set
}()

// str writes s quoted as encoding/json does: HTML's <, > and & and the
// control characters escaped, invalid UTF-8 as U+FFFD, and U+2028/U+2029
// escaped for JavaScript.
func (w *jsonWriter) str(s string) {
	b := append(w.b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if htmlSafe[c] {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	w.b = append(b, '"')
}
