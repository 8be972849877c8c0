// Command resilience proves, against the real binary on PostgreSQL, that
// the help desk loses no acknowledged write and recovers by itself:
//
//	a) SIGKILL of the server during continuous creates with Idempotency-Keys;
//	b) an immediate PostgreSQL restart, then a stop of a few seconds, under
//	   the same load: 503 problem+json with Retry-After meanwhile, /readyz
//	   failing, recovery without restarting the server;
//	c) 20 clients racing one transition with the same ETag;
//	d) SIGTERM under load: in-flight requests complete, nobody sees a reset.
//
// It prints one PASS or FAIL line per check and exits 1 on any failure.
// It creates and drops its own database, and restarts the PostgreSQL
// cluster named by HELPDESK_RESILIENCE_PG_CLUSTER ("15 main" by default)
// with pg_ctlcluster, so run it as root or as the postgres user. See
// RESILIENCE.md; bench/resilience.sh runs it.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"
)

const defaultDB = "postgres://helpdesk:helpdesk@127.0.0.1:5432/helpdesk_resilience?sslmode=disable"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	keep := flag.Bool("keep", false, "keep the database and the server log at the end")
	flag.Parse()
	failed, err := run(ctx, *keep)
	if err != nil {
		fmt.Println("FAIL setup:", err)
		os.Exit(2)
	}
	if failed > 0 {
		fmt.Printf("RESILIENCE: FAIL (%d checks failed)\n", failed)
		os.Exit(1)
	}
	fmt.Println("RESILIENCE: PASS")
}

// runner holds what the phases share.
type runner struct {
	dbURL   string
	srv     *server
	pg      *cluster
	admin   *client
	pw      string
	checks  int
	failed  int
	started time.Time
}

func (r *runner) check(name string, ok bool, format string, args ...any) {
	r.checks++
	verdict := "PASS"
	if !ok {
		verdict = "FAIL"
		r.failed++
	}
	fmt.Printf("%s %-40s %s\n", verdict, name, fmt.Sprintf(format, args...))
}

func (r *runner) note(format string, args ...any) {
	fmt.Printf("     [%5.1fs] %s\n", time.Since(r.started).Seconds(), fmt.Sprintf(format, args...))
}

func run(ctx context.Context, keep bool) (failed int, err error) {
	r := &runner{started: time.Now()}
	r.dbURL = os.Getenv("HELPDESK_RESILIENCE_DB_URL")
	if r.dbURL == "" {
		r.dbURL = defaultDB
	}
	u, err := loopbackOnly(r.dbURL)
	if err != nil {
		return 0, err
	}
	clusterSpec := os.Getenv("HELPDESK_RESILIENCE_PG_CLUSTER")
	if clusterSpec == "" {
		clusterSpec = "15 main"
	}
	parts := strings.Fields(clusterSpec)
	if len(parts) != 2 {
		return 0, fmt.Errorf("HELPDESK_RESILIENCE_PG_CLUSTER must be \"VERSION NAME\", got %q", clusterSpec)
	}
	r.pg = &cluster{version: parts[0], name: parts[1]}
	defer func() {
		if r.pg.down { // never leave the cluster stopped
			_, _ = r.pg.ctl("start")
		}
	}()

	dir, err := os.MkdirTemp("", "helpdesk-resilience-")
	if err != nil {
		return 0, err
	}
	defer func() {
		if !keep {
			os.RemoveAll(dir)
		}
	}()
	r.note("building ./cmd/helpdesk")
	bin, err := build(ctx, dir)
	if err != nil {
		return 0, fmt.Errorf("go build: %w", err)
	}
	if err := recreateDB(ctx, u, true); err != nil {
		return 0, fmt.Errorf("create database: %w", err)
	}
	defer func() {
		if !keep {
			_ = recreateDB(context.Background(), u, false)
		}
	}()

	addr, err := freeAddr()
	if err != nil {
		return 0, err
	}
	logf, err := os.Create(dir + "/server.log")
	if err != nil {
		return 0, err
	}
	defer logf.Close()
	r.pw = randHex(12)
	env := []string{}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "HELPDESK_") {
			env = append(env, kv)
		}
	}
	env = append(env,
		"HELPDESK_ADDR="+addr, "HELPDESK_DATABASE_URL="+r.dbURL, "HELPDESK_ADMIN_PASSWORD="+r.pw,
		// A fixed key, so access tokens outlive a restart of the server.
		"HELPDESK_JWT_SECRET="+randHex(32),
		// A costly hash makes logins the slow requests phase d needs.
		"HELPDESK_BCRYPT_COST=12",
		"HELPDESK_LOG_LEVEL=warn", "HELPDESK_SHUTDOWN_TIMEOUT=20s")
	r.srv = &server{bin: bin, addr: addr, env: env, log: logf}
	if err := r.srv.start(ctx); err != nil {
		return 0, err
	}
	defer func() {
		if r.srv.running() {
			r.srv.kill()
		}
	}()
	r.note("server pid %d on %s, database %s, cluster %q; log %s", r.srv.pid(), addr, u.Redacted(), clusterSpec, logf.Name())
	r.admin = newClient(addr)
	tok, err := r.login(ctx)
	if err != nil {
		return 0, err
	}
	r.admin.token = tok

	for _, phase := range []func(context.Context) error{r.sigkill, r.pgRestart, r.etagRace, r.sigterm} {
		if err := phase(ctx); err != nil {
			return r.failed, err
		}
		if ctx.Err() != nil {
			return r.failed, ctx.Err()
		}
	}
	r.note("%d checks, %d failed, %.0fs in all", r.checks, r.failed, time.Since(r.started).Seconds())
	if r.failed > 0 {
		fmt.Printf("     server log: %s (kept: run with -keep to keep it after exit)\n", logf.Name())
	}
	return r.failed, nil
}

func (r *runner) login(ctx context.Context) (string, error) {
	a := r.admin.do(ctx, http.MethodPost, "/api/v1/auth/token", map[string]string{"username": "admin", "password": r.pw})
	if a.err != nil || a.status != http.StatusOK {
		return "", fmt.Errorf("login: %s", a)
	}
	var t struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(a.body, &t); err != nil {
		return "", err
	}
	return t.AccessToken, nil
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// sigkill (a): creates from 8 workers; the server is SIGKILLed twice and
// restarted; every acknowledged create must exist exactly once.
func (r *runner) sigkill(ctx context.Context) error {
	load := newCreates(r.admin, "a")
	lctx, stop := context.WithCancel(ctx)
	wg := load.run(lctx, 8, time.Now().Add(60*time.Second))
	for _, at := range []time.Duration{1500 * time.Millisecond, 2500 * time.Millisecond} {
		time.Sleep(at)
		old := r.srv.pid()
		r.srv.kill()
		start := time.Now()
		if err := r.srv.start(ctx); err != nil {
			stop()
			return err
		}
		r.note("a) SIGKILL pid %d; restarted as pid %d, ready in %dms", old, r.srv.pid(), time.Since(start).Milliseconds())
	}
	time.Sleep(1500 * time.Millisecond)
	stop()
	wg.Wait()
	ok, detail := load.verify(ctx, r.dbURL)
	r.check("a) SIGKILL: no acked write lost", ok && len(load.unexpected) == 0, "%s%s", detail, load.unexpectedDetail())
	return nil
}

func (l *creates) unexpectedDetail() string {
	if len(l.unexpected) == 0 {
		return ""
	}
	return fmt.Sprintf("; unexpected answers %v: %s", l.unexpected, strings.Join(l.samples, " | "))
}

// probe is one answer of the prober of phase b.
type probe struct {
	path string
	at   time.Time // when the request was sent
	a    answer
}

// pgRestart (b): the same load, plus a prober of /readyz and of a ticket
// read; PostgreSQL is restarted with -m immediate, then stopped for three
// seconds and started again. The server is never restarted.
func (r *runner) pgRestart(ctx context.Context) error {
	pid := r.srv.pid()
	// A ticket to read while the database comes and goes.
	seed := newCreates(r.admin, "b-seed")
	seed.giveUp = time.Now().Add(10 * time.Second)
	seed.one("b-seed-1")
	var readID int64
	for _, id := range seed.acked {
		readID = id
	}
	if readID == 0 {
		return fmt.Errorf("phase b: could not create a ticket to read: %v", seed.samples)
	}

	load := newCreates(r.admin, "b")
	lctx, stopLoad := context.WithCancel(ctx)
	wg := load.run(lctx, 8, time.Now().Add(90*time.Second))
	var (
		log probeLog
		pwg sync.WaitGroup
	)
	pwg.Add(1)
	go func() {
		defer pwg.Done()
		for i := 0; lctx.Err() == nil && i < 5000; i++ {
			for _, path := range []string{"/readyz", fmt.Sprintf("/api/v1/tickets/%d", readID)} {
				at := time.Now()
				rctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				a := r.admin.do(rctx, http.MethodGet, path, nil)
				cancel()
				log.add(probe{path: path, at: at, a: a})
			}
			time.Sleep(50 * time.Millisecond)
		}
	}()

	time.Sleep(1500 * time.Millisecond)
	restartAt := time.Now()
	took, err := r.pg.ctl("restart", "-m", "immediate")
	if err != nil {
		stopLoad()
		return err
	}
	r.note("b) pg_ctlcluster restart -m immediate took %dms", took.Milliseconds())
	firstOK := waitFor(func() bool { return load.okAfter(restartAt.Add(took)) }, 15*time.Second)
	r.check("b) recovers after an immediate restart", firstOK >= 0,
		"first acknowledged create %s after the cluster was back", fmtWait(firstOK))

	time.Sleep(time.Second)
	if _, err := r.pg.ctl("stop", "-m", "immediate"); err != nil {
		stopLoad()
		return err
	}
	downFrom := time.Now()
	r.note("b) pg_ctlcluster stop -m immediate; down for 3s")
	time.Sleep(3 * time.Second)
	downTo := time.Now()
	took, err = r.pg.ctl("start")
	if err != nil {
		stopLoad()
		return err
	}
	up := time.Now()
	r.note("b) pg_ctlcluster start took %dms", took.Milliseconds())
	readyAfter := waitFor(func() bool { return log.okAfter("/readyz", up) }, 15*time.Second)
	createAfter := waitFor(func() bool { return load.okAfter(up) }, 15*time.Second)
	time.Sleep(time.Second)
	stopLoad()
	wg.Wait()
	pwg.Wait()
	probes := log.list

	// While the database was down: every probe answered 503 problem with
	// Retry-After, /readyz included.
	var downProbes, downReady, bad int
	var badSample string
	for _, p := range probes {
		if p.at.Before(downFrom) || !p.a.done.Before(downTo) {
			continue
		}
		downProbes++
		if p.path == "/readyz" {
			downReady++
		}
		if p.a.err != nil || p.a.status != http.StatusServiceUnavailable || unavailableError(p.a) != "" {
			bad++
			if badSample == "" {
				badSample = fmt.Sprintf("; e.g. GET %s: %s %s", p.path, p.a, unavailableError(p.a))
			}
		}
	}
	r.check("b) down: 503 problem + Retry-After", downProbes >= 10 && downReady >= 5 && bad == 0 && load.unavailable > 0,
		"%d probes while down (%d of /readyz): %d not a 503 problem with Retry-After%s; creates got %d such 503s",
		downProbes, downReady, bad, badSample, load.unavailable)

	// Over the whole phase: no answer other than 2xx or a proper 503.
	other := map[string]int{}
	for _, p := range probes {
		switch {
		case p.a.err != nil:
			other["no answer: "+errKind(p.a.err)]++
		case p.a.status == http.StatusOK:
		case p.a.status == http.StatusServiceUnavailable && unavailableError(p.a) == "":
		default:
			other[fmt.Sprint(p.a.status)]++
		}
	}
	for s, n := range load.unexpected {
		other[fmt.Sprint(s)] += n
	}
	for k, n := range load.noAnswer {
		other["no answer: "+k] += n
	}
	r.check("b) never a 500 nor a dropped request", len(other) == 0,
		"%d probes and %d create attempts; answers other than 2xx or 503 problem: %v%s",
		len(probes), len(load.attempted)+load.unavailable+load.noAnswers(), other, load.unexpectedDetail())

	r.check("b) recovers without a restart", readyAfter >= 0 && createAfter >= 0 && readyAfter < 10*time.Second &&
		createAfter < 10*time.Second && r.srv.pid() == pid && r.srv.running(),
		"after start: /readyz 200 in %s, first acknowledged create in %s; server pid %d throughout",
		fmtWait(readyAfter), fmtWait(createAfter), pid)

	ok, detail := load.verify(ctx, r.dbURL)
	r.check("b) PostgreSQL restart: no acked write lost", ok, "%s", detail)
	return nil
}

// okAfter reports whether a create was acknowledged after t.
func (l *creates) okAfter(t time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for i := len(l.okTimes) - 1; i >= 0; i-- {
		if l.okTimes[i].After(t) {
			return true
		}
	}
	return false
}

// probeLog collects the prober's answers.
type probeLog struct {
	mu   sync.Mutex
	list []probe
}

func (l *probeLog) add(p probe) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.list = append(l.list, p)
}

// okAfter reports whether path answered 200 to a request sent after t.
func (l *probeLog) okAfter(path string, after time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, p := range l.list {
		if p.path == path && p.at.After(after) && p.a.err == nil && p.a.status == http.StatusOK {
			return true
		}
	}
	return false
}

// waitFor polls cond and returns how long it took to hold, or -1.
func waitFor(cond func() bool, limit time.Duration) time.Duration {
	start := time.Now()
	for time.Since(start) < limit {
		if cond() {
			return time.Since(start)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return -1
}

func fmtWait(d time.Duration) string {
	if d < 0 {
		return "never (within 15s)"
	}
	return fmt.Sprintf("%.2fs", d.Seconds())
}

// etagRace (c): 20 clients take the same ticket in charge with the same
// ETag; then 20 clients each add a note with read-modify-write retries.
func (r *runner) etagRace(ctx context.Context) error {
	a := r.admin.do(ctx, http.MethodPost, "/api/v1/tickets", map[string]string{
		"ente": "firenze", "subject": "c-race", "service": "suap", "channel": "phone"})
	if a.err != nil || a.status != http.StatusCreated {
		return fmt.Errorf("phase c: create: %s", a)
	}
	var t struct {
		ID int64 `json:"id"`
	}
	_ = json.Unmarshal(a.body, &t)
	path := fmt.Sprintf("/api/v1/tickets/%d", t.ID)
	g := r.admin.do(ctx, http.MethodGet, path, nil)
	etag := g.header.Get("ETag")
	if g.status != http.StatusOK || etag == "" {
		return fmt.Errorf("phase c: read: %s (ETag %q)", g, etag)
	}

	const racers = 20
	statuses := make([]answer, racers)
	gate := make(chan struct{})
	var wg sync.WaitGroup
	for i := range racers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-gate
			statuses[i] = r.admin.do(ctx, http.MethodPost, path+"/take-in-charge", nil, "If-Match", etag)
		}()
	}
	close(gate)
	wg.Wait()
	count := map[string]int{}
	for _, s := range statuses {
		if s.err != nil {
			count["no answer"]++
		} else {
			count[fmt.Sprint(s.status)]++
		}
	}
	events := r.events(ctx, path)
	taken := events["take_in_charge"]
	r.check("c) same ETag: one winner, rest 412", count["200"] == 1 && count["412"] == racers-1 && taken == 1,
		"%d racers with If-Match %s: answers %v; take_in_charge events in the history: %d", racers, etag, count, taken)

	// Read-modify-write with retries: every writer's note lands, none is
	// lost, and the version counts them all.
	var attempts sync.Map
	for i := range racers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 1; n <= 200; n++ {
				attempts.Store(i, n)
				cur := r.admin.do(ctx, http.MethodGet, path, nil)
				if cur.err != nil || cur.status != http.StatusOK {
					continue
				}
				a := r.admin.do(ctx, http.MethodPost, path+"/notes", map[string]string{"body": fmt.Sprintf("note %d", i)},
					"If-Match", cur.header.Get("ETag"))
				if a.err == nil && a.status == http.StatusOK {
					return
				}
			}
		}()
	}
	wg.Wait()
	total := 0
	attempts.Range(func(_, v any) bool { total += v.(int); return true })
	events = r.events(ctx, path)
	final := r.admin.do(ctx, http.MethodGet, path, nil)
	wantVersion := fmt.Sprintf(`"%d"`, 2+racers)
	r.check("c) retried writes: no lost update", events["note"] == racers && final.header.Get("ETag") == wantVersion,
		"%d writers, %d attempts: %d note events, ETag %s (want %d notes, ETag %s)",
		racers, total, events["note"], final.header.Get("ETag"), racers, wantVersion)
	return nil
}

// events counts a ticket's history by action.
func (r *runner) events(ctx context.Context, path string) map[string]int {
	a := r.admin.do(ctx, http.MethodGet, path+"/events", nil)
	var h struct {
		Items []struct {
			Action string `json:"action"`
		} `json:"items"`
	}
	_ = json.Unmarshal(a.body, &h)
	out := map[string]int{}
	for _, e := range h.Items {
		out[e.Action]++
	}
	return out
}

// sigterm (d): creates, list pages and logins (slow: bcrypt cost 12) from
// 8 workers; SIGTERM mid-run. Every request in flight at the signal gets
// its answer; the only failures allowed are refused connections after it.
func (r *runner) sigterm(ctx context.Context) error {
	type rec struct {
		kind string
		a    answer
	}
	var (
		mu   sync.Mutex
		recs []rec
		wg   sync.WaitGroup
	)
	stopAt := time.Now().Add(time.Hour) // set once the signal is sent
	var stopMu sync.Mutex
	stopped := func() bool {
		stopMu.Lock()
		defer stopMu.Unlock()
		return time.Now().After(stopAt)
	}
	kinds := []string{"create", "create", "create", "list", "list", "list", "login", "login"}
	for w, kind := range kinds {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; !stopped() && i < 100_000; i++ {
				var a answer
				rctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
				switch kind {
				case "create":
					key := fmt.Sprintf("d-w%d-%06d", w, i)
					a = r.admin.do(rctx, http.MethodPost, "/api/v1/tickets", map[string]string{
						"ente": "firenze", "subject": key, "service": "sito_web", "channel": "email"}, "Idempotency-Key", key)
				case "list":
					a = r.admin.do(rctx, http.MethodGet, "/api/v1/tickets?limit=100&q=w1-&status=nuovo,aperto", nil)
				case "login":
					a = r.admin.do(rctx, http.MethodPost, "/api/v1/auth/token", map[string]string{"username": "admin", "password": r.pw})
				}
				cancel()
				mu.Lock()
				recs = append(recs, rec{kind, a})
				mu.Unlock()
				if a.err != nil {
					time.Sleep(20 * time.Millisecond)
				}
			}
		}()
	}
	time.Sleep(1500 * time.Millisecond)
	pid := r.srv.pid()
	termAt := time.Now()
	errc := make(chan error, 1)
	go func() { errc <- r.srv.term(25 * time.Second) }()
	stopMu.Lock()
	stopAt = termAt.Add(1500 * time.Millisecond)
	stopMu.Unlock()
	exitErr := <-errc
	exitTook := time.Since(termAt)
	wg.Wait()

	var inFlight, inFlightAnswered, before, after int
	errs := map[string]int{}
	badStatus := map[string]int{}
	var sample string
	for _, x := range recs {
		a := x.a
		if !a.wrote.IsZero() && a.wrote.Before(termAt) {
			before++
			if a.done.After(termAt) {
				inFlight++
				if a.err == nil {
					inFlightAnswered++
				}
			}
		} else {
			after++
		}
		if a.err != nil {
			k := errKind(a.err)
			// Refused: the listener is closed, the request never started.
			if k != "refused" || a.done.Before(termAt) {
				errs[x.kind+" "+k]++
				if sample == "" {
					sample = fmt.Sprintf("; e.g. %s: %v", x.kind, a.err)
				}
			}
		} else if a.status >= 500 {
			badStatus[fmt.Sprintf("%s %d", x.kind, a.status)]++
		}
	}
	r.check("d) SIGTERM: in-flight requests finish", inFlight > 0 && inFlightAnswered == inFlight && len(badStatus) == 0,
		"%d requests before the signal; %d in flight at it, %d of them answered; 5xx answers: %v",
		before, inFlight, inFlightAnswered, badStatus)
	r.check("d) SIGTERM: no client sees a reset", len(errs) == 0,
		"%d requests after the signal; failures other than a refused new connection: %v%s", after, errs, sample)
	r.check("d) SIGTERM: clean exit", exitErr == nil,
		"pid %d exited %v in %dms", pid, exitStatus(exitErr), exitTook.Milliseconds())
	return nil
}

func exitStatus(err error) string {
	if err == nil {
		return "with status 0"
	}
	return err.Error()
}
