package api

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/cst-firenze/helpdesk/domain"
)

// plainTicket is ticketJSON without its MarshalJSON: what encoding/json
// writes for it by reflection.
type plainTicket ticketJSON

// TestTicketJSONAsEncodingJSON holds the ticket's own encoder to
// encoding/json's output, byte for byte, over random tickets: every field
// is filled (or left empty or nil) by reflection, so a field added to the
// struct and not to the encoder makes the two differ.
func TestTicketJSONAsEncodingJSON(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 3000 {
		var tj ticketJSON
		fill(rng, reflect.ValueOf(&tj).Elem())
		want, err := json.Marshal(plainTicket(tj))
		if err != nil {
			t.Fatalf("encoding/json: %v", err)
		}
		got, err := tj.appendJSON(nil)
		if err != nil {
			t.Fatalf("appendJSON: %v", err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("ticket %d:\n got %s\nwant %s", i, got, want)
		}
		// Embedded in a list, encoding/json calls MarshalJSON.
		page, err := json.Marshal(ticketPageJSON{Items: []ticketJSON{tj}})
		if err != nil || !bytes.Contains(page, want) {
			t.Fatalf("in a page: %v\n%s", err, page)
		}
	}
}

// TestTicketJSONRefusesWhatEncodingJSONRefuses: an instant outside years
// 0–9999 and a float that is not a number fail both encoders.
func TestTicketJSONRefusesWhatEncodingJSONRefuses(t *testing.T) {
	nan := math.NaN()
	for name, tj := range map[string]ticketJSON{
		"year 10000": {OpenedAt: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)},
		"NaN":        {SLA: []slaClockJSON{{ElapsedMinutes: &nan}}},
	} {
		if _, err := json.Marshal(plainTicket(tj)); err == nil {
			t.Fatalf("%s: encoding/json accepted it", name)
		}
		if _, err := tj.appendJSON(nil); err == nil {
			t.Errorf("%s: appendJSON accepted it", name)
		}
	}
}

// fill sets v (a settable value) to a random value of its type: nil or
// empty about a third of the time.
func fill(rng *rand.Rand, v reflect.Value) {
	if v.Type() == reflect.TypeFor[time.Time]() {
		loc := []*time.Location{time.UTC, time.FixedZone("CET", 3600), time.FixedZone("x", -5*3600-1800)}[rng.IntN(3)]
		v.Set(reflect.ValueOf(time.Unix(rng.Int64N(1<<35), rng.Int64N(1e9)*int64(rng.IntN(2))).In(loc)))
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		for i := range v.NumField() {
			fill(rng, v.Field(i))
		}
	case reflect.Pointer:
		if rng.IntN(3) == 0 {
			v.SetZero()
			return
		}
		p := reflect.New(v.Type().Elem())
		fill(rng, p.Elem())
		v.Set(p)
	case reflect.Slice:
		if rng.IntN(4) == 0 {
			v.SetZero()
			return
		}
		s := reflect.MakeSlice(v.Type(), rng.IntN(4), 4)
		for i := range s.Len() {
			fill(rng, s.Index(i))
		}
		v.Set(s)
	case reflect.String:
		v.SetString(randomText(rng))
	case reflect.Int, reflect.Int64:
		v.SetInt([]int64{0, 1, -7, math.MaxInt64, math.MinInt64, rng.Int64()}[rng.IntN(6)])
	case reflect.Bool:
		v.SetBool(rng.IntN(2) == 0)
	case reflect.Float64:
		v.SetFloat([]float64{0, 1, 0.5, 1e-7, 123456.789, 1e21, 2.5e-9, -3.25, rng.Float64() * 1e4}[rng.IntN(9)])
	default:
		panic("fill: no case for " + v.Type().String())
	}
}

// randomText mixes what JSON must escape with plain text: quotes, HTML,
// control bytes, invalid UTF-8, U+2028/2029 and other runes.
func randomText(rng *rand.Rand) string {
	pieces := []string{"", "Comune di Firenze", `"`, `\`, "<script>", "&amp;", "\n\r\t", "\b\f", "\x00\x01\x1f", "\x7f",
		"\xff", "\xe2\x80", "\u2028", "\u2029", "è à ò", "日本", "😀", " "}
	var b []byte
	for range rng.IntN(6) {
		b = append(b, pieces[rng.IntN(len(pieces))]...)
	}
	return string(b)
}

// BenchmarkTicketJSON compares the ticket's encoder with encoding/json on
// a ticket with three clocks, as a get answers it.
func BenchmarkTicketJSON(b *testing.B) {
	now := time.Date(2026, 12, 2, 10, 30, 0, 123456000, time.FixedZone("CET", 3600))
	tj := ticketJSON{ID: 1000050, Ente: "palazzuolo-sul-senio", Subject: "Benchmark ticket 46",
		Description: "Aperta da loadgen per misurare il servizio.", Service: "gestione_documentale", Channel: "email",
		Level: 1, Status: "nuovo", OpenedAt: now, ReceivedAt: now, EnteredAt: now, UpdatedAt: now, Version: 1}
	for _, code := range []domain.SLACode{"SLA.6", "SLA.7", "SLA.8"} {
		tj.SLA = append(tj.SLA, slaClockJSON{Code: code, Description: "Presa in carico della segnalazione",
			TargetMinutes: 60, Basis: "working", StartedAt: now, Deadline: now.Add(time.Hour), State: "running"})
	}
	b.Run("encoding/json", func(b *testing.B) {
		for b.Loop() {
			if _, err := json.Marshal(plainTicket(tj)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("appendJSON", func(b *testing.B) {
		for b.Loop() {
			if _, err := tj.appendJSON(make([]byte, 0, 1536)); err != nil {
				b.Fatal(err)
			}
		}
	})
}
