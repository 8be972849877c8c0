// Package jobstest has a webhook receiver for tests: a local HTTP server
// that checks the Standard Webhooks signature of every request it gets.
package jobstest

import (
	"context"
	"crypto/hmac"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cst-firenze/helpdesk/app"
	"github.com/cst-firenze/helpdesk/domain"
	"github.com/cst-firenze/helpdesk/jobs"
	"github.com/cst-firenze/helpdesk/repository"
)

// Message is what the receiver got, its signature checked.
type Message struct {
	ID   string
	Type string
	Data map[string]any
}

// Receiver answers with the statuses it was given, then 204, and fails
// the test at Messages if any request was not signed right.
type Receiver struct {
	URL      string
	t        testing.TB
	mu       sync.Mutex
	secret   string
	statuses []int
	got      []Message
	bad      []string
}

// NewReceiver starts a receiver, closed at the end of the test.
func NewReceiver(t testing.TB, statuses ...int) *Receiver {
	r := &Receiver{t: t, statuses: statuses}
	srv := httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(srv.Close)
	r.URL = srv.URL + "/hook"
	return r
}

// SetSecret is the endpoint's whsec_ secret, to check signatures with.
func (r *Receiver) SetSecret(s string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.secret = s
}

func (r *Receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	id, ts, sig := req.Header.Get("webhook-id"), req.Header.Get("webhook-timestamp"), req.Header.Get("webhook-signature")
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || time.Since(time.Unix(sec, 0)).Abs() > 5*time.Minute {
		r.bad = append(r.bad, "timestamp "+ts)
	}
	want, err := domain.SignWebhook(r.secret, id, time.Unix(sec, 0), body)
	if err != nil || !strings.HasPrefix(sig, "v1,") || !hmac.Equal([]byte(want), []byte(sig)) {
		r.bad = append(r.bad, "signature of "+id)
	}
	var p struct {
		Type      string         `json:"type"`
		Timestamp time.Time      `json:"timestamp"`
		Data      map[string]any `json:"data"`
	}
	if err := json.Unmarshal(body, &p); err != nil || p.Timestamp.IsZero() || p.Data == nil {
		r.bad = append(r.bad, "body "+string(body))
	}
	r.got = append(r.got, Message{ID: id, Type: p.Type, Data: p.Data})
	status := http.StatusNoContent
	if len(r.statuses) > 0 {
		status, r.statuses = r.statuses[0], r.statuses[1:]
	}
	w.WriteHeader(status)
}

// Messages returns what arrived so far.
func (r *Receiver) Messages() []Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.bad) > 0 {
		r.t.Errorf("receiver refused: %v", r.bad)
		r.bad = nil
	}
	return append([]Message(nil), r.got...)
}

// WaitFor polls until cond holds, failing the test after 20 s.
func WaitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	WaitWithin(t, 20*time.Second, what, cond)
}

// WaitWithin polls until cond holds, failing the test after d.
func WaitWithin(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Quiet keeps River's info lines out of test output.
var Quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// Start runs a queue over store until the end of the test and makes the
// store enqueue its changes' notices to it. cfg gives the retry rule, the
// guard and the sweeper; the store's parts, a 50 ms poll and a quiet log
// are filled in.
func Start(t testing.TB, store *repository.Store, cfg jobs.Config) *jobs.Queue {
	t.Helper()
	cfg.Driver, cfg.InTx, cfg.TxOf = store.RiverDriver(), store.InTx, repository.SQLTx
	cfg.Notifications = app.NewNotifications(store, time.Now)
	cfg.PollInterval, cfg.Logger = 50*time.Millisecond, Quiet
	q, err := jobs.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	store.SetOutbox(q)
	ctx, cancel := context.WithCancel(context.Background())
	if err := q.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer scancel()
		_ = q.Stop(sctx)
		cancel()
	})
	return q
}
