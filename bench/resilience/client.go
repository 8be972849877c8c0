package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"sort"
	"strings"
	"sync"
	"time"
)

// client talks to the server as one user.
type client struct {
	base  string
	token string
	hc    *http.Client
}

func newClient(addr string) *client {
	tr := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 2 * time.Second}).DialContext,
		MaxIdleConns:        64,
		MaxIdleConnsPerHost: 64,
		IdleConnTimeout:     30 * time.Second,
	}
	return &client{base: "http://" + addr, hc: &http.Client{Transport: tr, Timeout: 20 * time.Second}}
}

// answer is the outcome of one request: an HTTP answer or an error.
type answer struct {
	status int
	header http.Header
	body   []byte
	err    error
	wrote  time.Time // when the request was fully written; zero if never
	done   time.Time
}

func (a answer) String() string {
	if a.err != nil {
		return "no answer: " + errKind(a.err)
	}
	b := a.body
	if len(b) > 300 {
		b = b[:300]
	}
	return fmt.Sprintf("%d %s", a.status, b)
}

func (c *client) do(ctx context.Context, method, path string, body any, hdr ...string) answer {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return answer{err: err, done: time.Now()}
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return answer{err: err, done: time.Now()}
	}
	var a answer
	var mu sync.Mutex
	req = req.WithContext(httptrace.WithClientTrace(req.Context(), &httptrace.ClientTrace{
		WroteRequest: func(httptrace.WroteRequestInfo) {
			mu.Lock()
			if a.wrote.IsZero() {
				a.wrote = time.Now()
			}
			mu.Unlock()
		},
	}))
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := c.hc.Do(req)
	if err == nil {
		a.status, a.header = resp.StatusCode, resp.Header
		a.body, err = io.ReadAll(resp.Body)
		resp.Body.Close()
	}
	mu.Lock()
	defer mu.Unlock()
	a.err, a.done = err, time.Now()
	return a
}

// problemError says what is wrong with a as an RFC 9457 problem, or "".
func problemError(a answer) string {
	if ct := a.header.Get("Content-Type"); ct != "application/problem+json" {
		return fmt.Sprintf("Content-Type %q, want application/problem+json", ct)
	}
	var p struct {
		Type   string `json:"type"`
		Title  string `json:"title"`
		Status int    `json:"status"`
		Code   string `json:"code"`
	}
	if err := json.Unmarshal(a.body, &p); err != nil || p.Type == "" || p.Title == "" || p.Code == "" || p.Status != a.status {
		return fmt.Sprintf("body %q is not a complete problem", a.body)
	}
	return ""
}

// unavailableError says what is wrong with a as a 503 answer.
func unavailableError(a answer) string {
	if msg := problemError(a); msg != "" {
		return msg
	}
	if a.header.Get("Retry-After") == "" {
		return "no Retry-After header"
	}
	return ""
}

// creates drives ticket creates with unique Idempotency-Keys from several
// workers, retrying a key until it is answered; it is the writer whose
// acknowledged work must survive the faults.
type creates struct {
	c      *client
	phase  string // key prefix, also the ticket subject prefix
	giveUp time.Time

	mu          sync.Mutex
	acked       map[string]int64 // key -> id of the 2xx answer
	attempted   map[string]bool
	noAnswer    map[string]int // by error kind; retried with the same key
	unavailable int            // 503 answers; retried
	replayed    int            // 2xx answers marked Idempotent-Replayed
	unexpected  map[int]int    // answers that are neither 2xx nor a proper 503
	samples     []string
	okTimes     []time.Time // when each 2xx arrived
	badTimes    []time.Time // when each 503 or unanswered request ended
}

func newCreates(c *client, phase string) *creates {
	return &creates{c: c, phase: phase, acked: map[string]int64{}, attempted: map[string]bool{},
		noAnswer: map[string]int{}, unexpected: map[int]int{}}
}

// run starts workers that create until ctx ends; a key being retried when
// it ends is retried until answered or until giveUp.
func (l *creates) run(ctx context.Context, workers int, giveUp time.Time) *sync.WaitGroup {
	l.giveUp = giveUp
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ctx.Err() == nil && i < 1_000_000; i++ {
				l.one(fmt.Sprintf("%s-w%d-%06d", l.phase, w, i))
			}
		}()
	}
	return &wg
}

func (l *creates) one(key string) {
	body := map[string]string{"ente": "firenze", "subject": key, "service": "portale_servizi", "channel": "portal",
		"description": "resilience run"}
	l.mu.Lock()
	l.attempted[key] = true
	l.mu.Unlock()
	for time.Now().Before(l.giveUp) {
		// Each attempt gets its own context: the phase ending must not
		// cut a request short, or it would count as unanswered.
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		a := l.c.do(ctx, http.MethodPost, "/api/v1/tickets", body, "Idempotency-Key", key)
		cancel()
		l.mu.Lock()
		switch {
		case a.err != nil:
			l.noAnswer[errKind(a.err)]++
			l.badTimes = append(l.badTimes, a.done)
		case a.status == http.StatusCreated:
			var t struct {
				ID      int64  `json:"id"`
				Subject string `json:"subject"`
			}
			if err := json.Unmarshal(a.body, &t); err != nil || t.ID == 0 || t.Subject != key {
				l.unexpected[a.status]++
				l.sample("create %s: %s", key, a)
				l.mu.Unlock()
				return
			}
			l.acked[key] = t.ID
			if a.header.Get("Idempotent-Replayed") == "true" {
				l.replayed++
			}
			l.okTimes = append(l.okTimes, a.done)
			l.mu.Unlock()
			return
		case a.status == http.StatusServiceUnavailable:
			l.unavailable++
			l.badTimes = append(l.badTimes, a.done)
			if msg := unavailableError(a); msg != "" {
				l.unexpected[a.status]++
				l.sample("create %s: 503 %s", key, msg)
			}
		default:
			l.unexpected[a.status]++
			l.sample("create %s: %s", key, a)
			l.mu.Unlock()
			return
		}
		l.mu.Unlock()
		time.Sleep(50 * time.Millisecond)
	}
	l.mu.Lock()
	l.sample("create %s: gave up unanswered", key)
	l.mu.Unlock()
}

func (l *creates) sample(format string, args ...any) {
	if len(l.samples) < 5 {
		l.samples = append(l.samples, fmt.Sprintf(format, args...))
	}
}

func (l *creates) noAnswers() int {
	n := 0
	for _, v := range l.noAnswer {
		n += v
	}
	return n
}

// verify checks in the database that every acknowledged key exists exactly
// once with the id the client was given, and that no key has two tickets.
func (l *creates) verify(ctx context.Context, dbURL string) (bool, string) {
	rows, err := ticketsByKey(ctx, dbURL, l.phase+"-")
	if err != nil {
		return false, "query: " + err.Error()
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	var lost, wrongID, dup, unackedPresent []string
	for k, id := range l.acked {
		r, ok := rows[k]
		switch {
		case !ok:
			lost = append(lost, k)
		case r.id != id:
			wrongID = append(wrongID, fmt.Sprintf("%s (got %d, acked %d)", k, r.id, id))
		}
	}
	for k, r := range rows {
		if r.count > 1 {
			dup = append(dup, fmt.Sprintf("%s x%d", k, r.count))
		}
		if _, ok := l.acked[k]; !ok {
			unackedPresent = append(unackedPresent, k)
		}
	}
	unanswered := len(l.attempted) - len(l.acked)
	detail := fmt.Sprintf("%d keys sent, %d acknowledged (%d by replay), %d of them in the database exactly once, %d duplicates, %d lost; "+
		"%d requests without answer %s and %d answers 503 were retried with the same key",
		len(l.attempted), len(l.acked), l.replayed, len(l.acked)-len(lost)-len(wrongID), len(dup), len(lost),
		l.noAnswers(), kinds(l.noAnswer), l.unavailable)
	if unanswered > 0 {
		detail += fmt.Sprintf("; %d keys never answered (%d of them stored)", unanswered, len(unackedPresent))
	}
	for _, list := range [][]string{lost, wrongID, dup} {
		sort.Strings(list)
		if len(list) > 5 {
			list = list[:5]
		}
		if len(list) > 0 {
			detail += "; e.g. " + strings.Join(list, ", ")
		}
	}
	ok := len(lost) == 0 && len(wrongID) == 0 && len(dup) == 0 && unanswered == 0 && len(l.acked) > 0
	return ok, detail
}

func kinds(m map[string]int) string {
	if len(m) == 0 {
		return "(none)"
	}
	var parts []string
	for k, v := range m {
		parts = append(parts, fmt.Sprintf("%s=%d", k, v))
	}
	sort.Strings(parts)
	return "(" + strings.Join(parts, " ") + ")"
}
