package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/jackc/pgx/v5"
)

// runConfig is the run subcommand's flags.
type runConfig struct {
	base, user, password string
	clients, reportC     int
	window, warmup       time.Duration
	ops                  []string
	pid                  int
	pgURL                string
	maxID                int64
	statsQuery           string
	annualYear           int
	asOf                 string // as_of of the as-of report operations
	asOfStatsQuery       string
	ceilCreate, ceilGet  float64 // pgbench tps
	ceilCreateP99        float64 // pgbench p99, ms
	ceilGetP99           float64
}

// allOps is every operation, in the order a run measures them: take
// consumes the tickets create made, get reads them.
// resolve resolves the tickets take took; getmix is get while one client
// keeps creating (SQLite's read pool beside its writer); entemonth is the
// ente x month report of a whole year.
var allOps = []string{"create", "get", "list", "take", "resolve", "stats", "annual", "entemonth", "getmix"}

// asOfOps are the reports as at a date (issue 9) and the plain report of
// the same grouping, measured on request (-ops), not by default.
var asOfOps = []string{"stats_month", "stats_asof", "annual_asof"}

func runCmd(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	var cfg runConfig
	var ops string
	fs.StringVar(&cfg.base, "url", "http://127.0.0.1:8080", "base URL of the running server")
	fs.StringVar(&cfg.user, "user", "admin", "username to log in with (an admin: every operation must be allowed)")
	fs.StringVar(&cfg.password, "password", "", "password (default $HELPDESK_ADMIN_PASSWORD)")
	fs.IntVar(&cfg.clients, "c", 8, "concurrent clients for create, get, list and take")
	fs.IntVar(&cfg.reportC, "report-c", 1, "concurrent clients for the two report operations (their target is one user's latency)")
	fs.DurationVar(&cfg.window, "d", 15*time.Second, "measured duration of each operation")
	fs.DurationVar(&cfg.warmup, "warmup", 2*time.Second, "unmeasured warm-up before each operation")
	fs.StringVar(&ops, "ops", strings.Join(allOps, ","), "operations to run, in this order")
	fs.IntVar(&cfg.pid, "pid", 0, "server process id, to report its peak RSS and CPU time (0: not reported)")
	fs.StringVar(&cfg.pgURL, "pg", "", "URL of the server's PostgreSQL database, to report its backends' CPU time (same host; empty: not reported)")
	fs.Int64Var(&cfg.maxID, "max-id", 0, "highest seeded ticket id for get (0: the newest ticket before the run)")
	fs.StringVar(&cfg.statsQuery, "stats-query", "from=2017-01-01&to=2018-01-01&group_by=level,status", "query of GET /api/v1/reports/tickets")
	fs.IntVar(&cfg.annualYear, "annual-year", 2017, "year of GET /api/v1/reports/annual/{year}")
	fs.StringVar(&cfg.asOf, "as-of", "2017-12-31", "as_of of annual_asof and stats_asof")
	fs.StringVar(&cfg.asOfStatsQuery, "asof-stats-query", "from=2017-01-01&to=2018-01-01&group_by=ente,month",
		"query of GET /api/v1/reports/tickets for stats_month, and with as_of for stats_asof")
	fs.Float64Var(&cfg.ceilCreate, "ceiling-create", 0, "pgbench insert tps, to print the ratio (0: no comparison)")
	fs.Float64Var(&cfg.ceilGet, "ceiling-get", 0, "pgbench primary-key select tps, to print the ratio")
	fs.Float64Var(&cfg.ceilCreateP99, "ceiling-create-p99", 0, "pgbench insert p99 in ms")
	fs.Float64Var(&cfg.ceilGetP99, "ceiling-get-p99", 0, "pgbench select p99 in ms")
	cpuProfile := fs.String("cpuprofile", "", "write loadgen's own CPU profile to this file (to see what the client costs)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return fmt.Errorf("run: -cpuprofile: %w", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fmt.Errorf("run: -cpuprofile: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	if cfg.password == "" {
		cfg.password = os.Getenv("HELPDESK_ADMIN_PASSWORD")
	}
	cfg.base = strings.TrimRight(cfg.base, "/")
	cfg.ops = strings.Split(ops, ",")
	for _, o := range cfg.ops {
		if !contains(allOps, o) && !contains(asOfOps, o) {
			return fmt.Errorf("run: unknown operation %q (want some of %s)", o, strings.Join(append(allOps, asOfOps...), ","))
		}
	}
	if cfg.clients < 1 || cfg.reportC < 1 || cfg.window <= 0 || cfg.warmup < 0 {
		return errors.New("run: -c and -report-c must be positive, -d positive, -warmup not negative")
	}
	u, err := url.Parse(cfg.base)
	if err != nil || (u.Hostname() != "127.0.0.1" && u.Hostname() != "localhost" && u.Hostname() != "::1") {
		return errors.New("run: -url must point at 127.0.0.1 or localhost: this tool only loads a local server")
	}

	b := newBench(cfg)
	b.host, b.prefix = u.Host, strings.TrimRight(u.Path, "/")
	if cfg.pgURL != "" {
		conn, err := pgx.Connect(ctx, cfg.pgURL)
		if err != nil {
			return fmt.Errorf("run: -pg: %w", err)
		}
		defer conn.Close(context.Background())
		b.pg = conn
	}
	if err := b.login(ctx); err != nil {
		return err
	}
	if err := b.prepare(ctx); err != nil {
		return err
	}
	fmt.Fprintf(out, "run: %s as %s, %d clients (reports %d), %s per operation after %s warm-up; %d enti, seeded ids up to %d\n",
		cfg.base, cfg.user, cfg.clients, cfg.reportC, cfg.window, cfg.warmup, len(b.enti), b.maxID)

	var sampler *rssSampler
	if cfg.pid > 0 {
		if _, _, err := procStatus(cfg.pid); err != nil {
			return fmt.Errorf("run: -pid %d: %w", cfg.pid, err)
		}
		sampler = startRSSSampler(cfg.pid, 100*time.Millisecond)
	}
	var results []*result
	for _, name := range cfg.ops {
		if ctx.Err() != nil {
			break
		}
		r := b.phase(ctx, name, sampler)
		results = append(results, r)
		if r.skipped != "" {
			fmt.Fprintf(out, "run: %-6s skipped: %s\n", name, r.skipped)
		} else {
			fmt.Fprintf(out, "run: %-6s %8d requests %6d errors %9.1f req/s  p99 %s ms\n", name, len(r.lats), r.errors, r.rps(), ms(r.pct(99)))
		}
	}
	sampler.close()
	var hwm int64
	if cfg.pid > 0 {
		_, hwm, _ = procStatus(cfg.pid)
	}
	report(out, cfg, results, hwm)
	return ctx.Err()
}

// bench is the shared state of a run.
type bench struct {
	cfg    runConfig
	client *http.Client
	token  atomic.Pointer[string]
	runID  string
	host   string // host:port of cfg.base, for the workers' connections
	prefix string // path of cfg.base, before each request's path
	seq    atomic.Int64
	enti   []string
	maxID  int64

	pg *pgx.Conn // to find the backends of the server's database; nil without -pg

	mu       sync.Mutex
	created  []int64 // tickets made by create, still "nuovo" at version 1
	taken    int     // of them, how many take has used
	made     atomic.Int64
	inCharge []int64 // tickets take took, "aperto" at version 2
	resolved int     // of them, how many resolve has used
}

func newBench(cfg runConfig) *bench {
	conns := max(cfg.clients, cfg.reportC) * 2
	tr := &http.Transport{
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        conns,
		MaxIdleConnsPerHost: conns,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
		ForceAttemptHTTP2:   false,
	}
	return &bench{
		cfg:    cfg,
		client: &http.Client{Transport: tr, Timeout: 30 * time.Second},
		runID:  strconv.FormatInt(time.Now().UnixNano(), 36),
	}
}

// call makes one request and reads the whole answer; it returns the body
// only when keep is true (or the status is not 2xx), to spare the
// allocation on the hot path. A worker sends on its own connection
// (httpConn); without one (log-in, set-up) the request goes through
// net/http's client.
func (b *bench) call(ctx context.Context, w *worker, method, path string, body []byte, hdr http.Header, keep bool) (int, http.Header, []byte, error) {
	if w != nil && w.conn != nil {
		var token string
		if t := b.token.Load(); t != nil {
			token = *t
		}
		return w.conn.do(method, b.prefix+path, token, hdr, body, keep)
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, b.cfg.base+path, rd)
	if err != nil {
		return 0, nil, nil, err
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if t := b.token.Load(); t != nil {
		req.Header.Set("Authorization", "Bearer "+*t)
	}
	resp, err := b.client.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	if keep || resp.StatusCode >= 300 {
		rb, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
		return resp.StatusCode, resp.Header, rb, err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, resp.Header, nil, err
}

func (b *bench) login(ctx context.Context) error {
	body, _ := json.Marshal(map[string]string{"username": b.cfg.user, "password": b.cfg.password})
	st, _, rb, err := b.call(ctx, nil, http.MethodPost, "/api/v1/auth/token", body, nil, true)
	if err != nil {
		return fmt.Errorf("login: %w", err)
	}
	if st != http.StatusOK {
		return fmt.Errorf("login: %d %s", st, rb)
	}
	var tr struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(rb, &tr); err != nil || tr.AccessToken == "" {
		return fmt.Errorf("login: no access_token in %s", rb)
	}
	b.token.Store(&tr.AccessToken)
	return nil
}

// prepare learns the enti codes and the highest seeded ticket id.
func (b *bench) prepare(ctx context.Context) error {
	st, _, rb, err := b.call(ctx, nil, http.MethodGet, "/api/v1/enti", nil, nil, true)
	if err != nil || st != http.StatusOK {
		return fmt.Errorf("list enti: %d %v %s", st, err, rb)
	}
	var el struct {
		Items []struct {
			Code string `json:"code"`
		} `json:"items"`
	}
	if err := json.Unmarshal(rb, &el); err != nil || len(el.Items) == 0 {
		return fmt.Errorf("list enti: no items in %s", rb)
	}
	for _, e := range el.Items {
		b.enti = append(b.enti, e.Code)
	}
	b.maxID = b.cfg.maxID
	if b.maxID == 0 {
		st, _, rb, err := b.call(ctx, nil, http.MethodGet, "/api/v1/tickets?limit=1", nil, nil, true)
		if err != nil || st != http.StatusOK {
			return fmt.Errorf("newest ticket: %d %v %s", st, err, rb)
		}
		var page struct {
			Items []struct {
				ID int64 `json:"id"`
			} `json:"items"`
		}
		if err := json.Unmarshal(rb, &page); err != nil {
			return fmt.Errorf("newest ticket: %w", err)
		}
		if len(page.Items) > 0 {
			b.maxID = page.Items[0].ID
		}
	}
	return nil
}

// cpu reads the CPU time used so far by the server, the PostgreSQL
// backends of its database (but this tool's own) and this process.
// Whatever cannot be read is left zero.
func (b *bench) cpu(ctx context.Context) cpuSnapshot {
	var s cpuSnapshot
	s.loadgen, _ = procCPU(os.Getpid())
	if b.cfg.pid > 0 {
		s.server, _ = procCPU(b.cfg.pid)
	}
	if b.pg == nil {
		return s
	}
	rows, err := b.pg.Query(ctx, `SELECT pid FROM pg_stat_activity
		WHERE datname = current_database() AND backend_type = 'client backend' AND pid <> pg_backend_pid()`)
	if err != nil {
		return s
	}
	pids, err := pgx.CollectRows(rows, pgx.RowTo[int32])
	if err != nil {
		return s
	}
	s.backends = map[int]time.Duration{}
	for _, pid := range pids {
		if t, err := procCPU(int(pid)); err == nil {
			s.backends[int(pid)] = t
		}
	}
	return s
}

// op is one kind of request. do makes one; it returns the error kind and
// detail when the answer is not the expected one.
type op struct {
	path    string // probed first: a route that answers 404 "no route" is skipped
	clients int
	// prep, when set, runs off the clock before each request and hands
	// do its argument.
	prep func(ctx context.Context, w *worker) (int64, error)
	do   func(ctx context.Context, w *worker, arg int64) (kind, detail string)
	// background, when set, runs in one more client for the whole phase,
	// unmeasured; its failures count as the phase's errors.
	background func(ctx context.Context, w *worker) (kind, detail string)
}

// worker is one client's state.
type worker struct {
	rng  *rand.Rand
	rec  *recorder
	conn *httpConn // this client's own connection
}

var services = []string{"sito_web", "portale_servizi", "gestione_documentale", "app", "suap",
	"telemaco", "ced_multiente", "contact_center", "sit", "altro"}

var channels = []string{"phone", "email", "portal", "contact_center"}

func (b *bench) op(name string) op {
	c := b.cfg.clients
	switch name {
	case "create":
		return op{path: "/api/v1/tickets", clients: c, do: func(ctx context.Context, w *worker, _ int64) (string, string) {
			_, kind, detail := b.create(ctx, w, true)
			return kind, detail
		}}
	case "get":
		return op{path: "", clients: c, do: func(ctx context.Context, w *worker, _ int64) (string, string) {
			id := b.someTicket(w)
			if id == 0 {
				return "no tickets", "nothing seeded or created to read"
			}
			return expect(b.call(ctx, w, http.MethodGet, "/api/v1/tickets/"+strconv.FormatInt(id, 10), nil, nil, false))(http.StatusOK)
		}}
	case "list":
		return op{path: "", clients: c, do: func(ctx context.Context, w *worker, _ int64) (string, string) {
			status := "nuovo,aperto"
			if w.rng.IntN(2) == 1 {
				status = "risolto"
			}
			q := "/api/v1/tickets?ente=" + b.enti[w.rng.IntN(len(b.enti))] + "&status=" + status + "&limit=25"
			return expect(b.call(ctx, w, http.MethodGet, q, nil, nil, false))(http.StatusOK)
		}}
	case "take":
		return op{path: "", clients: c, prep: b.freshTicket, do: func(ctx context.Context, w *worker, id int64) (string, string) {
			hdr := http.Header{"If-Match": {`"1"`}}
			kind, detail := expect(b.call(ctx, w, http.MethodPost, "/api/v1/tickets/"+strconv.FormatInt(id, 10)+"/take-in-charge", nil, hdr, false))(http.StatusOK)
			if kind == "" {
				b.mu.Lock()
				b.inCharge = append(b.inCharge, id)
				b.mu.Unlock()
			}
			return kind, detail
		}}
	case "resolve":
		return op{path: "", clients: c, prep: b.inChargeTicket, do: func(ctx context.Context, w *worker, id int64) (string, string) {
			hdr := http.Header{"If-Match": {`"2"`}}
			return expect(b.call(ctx, w, http.MethodPost, "/api/v1/tickets/"+strconv.FormatInt(id, 10)+"/resolve", []byte(`{"body":"Risolto."}`), hdr, false))(http.StatusOK)
		}}
	case "getmix":
		get := b.op("get")
		get.background = func(ctx context.Context, w *worker) (string, string) {
			_, kind, detail := b.create(ctx, w, true)
			return kind, detail
		}
		return get
	case "entemonth":
		p := "/api/v1/reports/tickets?from=2017-01-01&to=2018-01-01&group_by=ente,month"
		return op{path: p, clients: b.cfg.reportC, do: func(ctx context.Context, w *worker, _ int64) (string, string) {
			return expect(b.call(ctx, w, http.MethodGet, p, nil, nil, false))(http.StatusOK)
		}}
	case "stats":
		p := "/api/v1/reports/tickets?" + b.cfg.statsQuery
		return op{path: p, clients: b.cfg.reportC, do: func(ctx context.Context, w *worker, _ int64) (string, string) {
			return expect(b.call(ctx, w, http.MethodGet, p, nil, nil, false))(http.StatusOK)
		}}
	case "annual":
		return b.report("/api/v1/reports/annual/" + strconv.Itoa(b.cfg.annualYear))
	case "annual_asof":
		return b.report("/api/v1/reports/annual/" + strconv.Itoa(b.cfg.annualYear) + "?as_of=" + url.QueryEscape(b.cfg.asOf))
	case "stats_month":
		return b.report("/api/v1/reports/tickets?" + b.cfg.asOfStatsQuery)
	case "stats_asof":
		return b.report("/api/v1/reports/tickets?" + b.cfg.asOfStatsQuery + "&as_of=" + url.QueryEscape(b.cfg.asOf))
	}
	panic("unknown op " + name)
}

// report is a GET of a report path by the report clients.
func (b *bench) report(p string) op {
	return op{path: p, clients: b.cfg.reportC, do: func(ctx context.Context, w *worker, _ int64) (string, string) {
		return expect(b.call(ctx, w, http.MethodGet, p, nil, nil, false))(http.StatusOK)
	}}
}

// expect turns a call's outcome into an error kind, or "" when the status
// is the wanted one.
func expect(st int, _ http.Header, body []byte, err error) func(want int) (string, string) {
	return func(want int) (string, string) {
		switch {
		case err != nil:
			return "transport", err.Error()
		case st != want:
			return strconv.Itoa(st), string(body)
		}
		return "", ""
	}
}

// create opens one ticket under a fresh Idempotency-Key and returns its
// id; keep adds it to the pool that get and take draw from.
func (b *bench) create(ctx context.Context, w *worker, keep bool) (int64, string, string) {
	n := b.seq.Add(1)
	body := fmt.Appendf(nil, `{"ente":%q,"subject":"Benchmark ticket %d","description":"Aperta da loadgen per misurare il servizio.","service":%q,"channel":%q,"level":1}`,
		b.enti[w.rng.IntN(len(b.enti))], n, services[w.rng.IntN(len(services))], channels[w.rng.IntN(len(channels))])
	hdr := http.Header{"Idempotency-Key": {"loadgen-" + b.runID + "-" + strconv.FormatInt(n, 10)}}
	st, h, rb, err := b.call(ctx, w, http.MethodPost, "/api/v1/tickets", body, hdr, false)
	if kind, detail := expect(st, h, rb, err)(http.StatusCreated); kind != "" {
		return 0, kind, detail
	}
	loc := h.Get("Location")
	id, perr := strconv.ParseInt(loc[strings.LastIndexByte(loc, '/')+1:], 10, 64)
	if perr != nil {
		return 0, "no location", loc
	}
	if keep {
		b.mu.Lock()
		b.created = append(b.created, id)
		b.mu.Unlock()
	}
	return id, "", ""
}

// someTicket picks a ticket to read: half from those created in this run,
// half anywhere in the seeded range.
func (b *bench) someTicket(w *worker) int64 {
	b.mu.Lock()
	n := len(b.created)
	var id int64
	if n > 0 && (b.maxID == 0 || w.rng.IntN(2) == 0) {
		id = b.created[w.rng.IntN(n)]
	}
	b.mu.Unlock()
	if id == 0 && b.maxID > 0 {
		id = 1 + w.rng.Int64N(b.maxID)
	}
	return id
}

// freshTicket hands out a created ticket not yet taken in charge; when
// create's phase did not make enough, it makes one.
func (b *bench) freshTicket(ctx context.Context, w *worker) (int64, error) {
	if id, ok := b.next(&b.created, &b.taken); ok {
		return id, nil
	}
	id, kind, detail := b.create(ctx, w, false)
	if kind != "" {
		return 0, fmt.Errorf("creating a ticket to take in charge: %s %.200s", kind, detail)
	}
	b.made.Add(1)
	return id, nil
}

// next hands out the next unused id of a list, under b.mu.
func (b *bench) next(list *[]int64, used *int) (int64, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if *used >= len(*list) {
		return 0, false
	}
	*used++
	return (*list)[*used-1], true
}

// inChargeTicket hands out a ticket take took; when there is none left, it
// creates one and takes it in charge, off the clock.
func (b *bench) inChargeTicket(ctx context.Context, w *worker) (int64, error) {
	if id, ok := b.next(&b.inCharge, &b.resolved); ok {
		return id, nil
	}
	id, err := b.freshTicket(ctx, w)
	if err != nil {
		return 0, err
	}
	hdr := http.Header{"If-Match": {`"1"`}}
	if kind, detail := expect(b.call(ctx, w, http.MethodPost, "/api/v1/tickets/"+strconv.FormatInt(id, 10)+"/take-in-charge", nil, hdr, false))(http.StatusOK); kind != "" {
		return 0, fmt.Errorf("taking a ticket in charge to resolve: %s %.200s", kind, detail)
	}
	b.made.Add(1)
	return id, nil
}

// phase runs one operation: a probe, a warm-up, then the measured window.
func (b *bench) phase(ctx context.Context, name string, sampler *rssSampler) *result {
	o := b.op(name)
	r := &result{name: name, clients: o.clients}
	if o.path != "" {
		st, _, rb, err := b.call(ctx, nil, http.MethodGet, o.path, nil, nil, true)
		if err == nil && st == http.StatusNotFound && strings.Contains(string(rb), "no route") {
			r.skipped = "GET " + strings.SplitN(o.path, "?", 2)[0] + " answers 404: not on this server yet"
			return r
		}
	}
	start := time.Now()
	measureFrom := start.Add(b.cfg.warmup)
	end := measureFrom.Add(b.cfg.window)
	recs := make([]*recorder, o.clients)
	var wg sync.WaitGroup
	// At the end of the warm-up: restart the RSS peak and note the
	// server's CPU time, to charge the window's CPU to its requests.
	var before cpuSnapshot
	marked := make(chan struct{})
	mark := time.AfterFunc(time.Until(measureFrom), func() {
		defer close(marked)
		sampler.reset()
		before = b.cpu(ctx)
	})
	defer mark.Stop()
	var bg *recorder
	if o.background != nil {
		bg = &recorder{}
		w := &worker{rng: rand.New(rand.NewPCG(uint64(o.clients)+1, uint64(start.UnixNano()))), rec: bg, conn: newHTTPConn(b.host)}
		defer w.conn.close()
		wg.Go(func() {
			for ctx.Err() == nil && time.Now().Before(end) {
				t0 := time.Now()
				kind, detail := o.background(ctx, w)
				if t0.Before(measureFrom) {
					continue
				}
				bg.lats = append(bg.lats, time.Since(t0))
				if kind != "" {
					bg.fail("background "+kind, detail)
				}
			}
		})
	}
	for i := range o.clients {
		recs[i] = &recorder{lats: make([]time.Duration, 0, 4096)}
		w := &worker{rng: rand.New(rand.NewPCG(uint64(i)+1, uint64(start.UnixNano()))), rec: recs[i], conn: newHTTPConn(b.host)}
		defer w.conn.close()
		wg.Go(func() {
			for ctx.Err() == nil {
				var arg int64
				if o.prep != nil {
					var err error
					if arg, err = o.prep(ctx, w); err != nil {
						w.rec.fail("prep", err.Error())
						return
					}
				}
				t0 := time.Now()
				if !t0.Before(end) {
					return
				}
				kind, detail := o.do(ctx, w, arg)
				if t0.Before(measureFrom) {
					continue
				}
				w.rec.lats = append(w.rec.lats, time.Since(t0))
				if kind != "" {
					w.rec.fail(kind, detail)
				}
			}
		})
	}
	wg.Wait()
	r.window = b.cfg.window
	r.peakRSS = sampler.reset()
	if mark.Stop() {
		return r // ended before the warm-up did (cancelled): nothing measured
	}
	<-marked
	r.cpu = b.cpu(ctx).since(before)
	if bg != nil {
		n := len(bg.lats)
		bg.lats = nil // its errors count; its latencies do not
		merge(r, append(recs, bg))
		r.note = fmt.Sprintf("%d creates ran beside it in one more client (%.0f/s, %d failed)", n, float64(n)/b.cfg.window.Seconds(), bg.errors)
	} else {
		merge(r, recs)
	}
	if (name == "take" || name == "resolve") && b.made.Load() > 0 {
		r.note = fmt.Sprintf("%d tickets were created (and taken) off the clock to have fresh ones", b.made.Load())
		b.made.Store(0)
	}
	return r
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// report prints the per-operation table and, when the ceilings are given,
// the comparison with the targets.
func report(out io.Writer, cfg runConfig, results []*result, hwm int64) {
	fmt.Fprintln(out)
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "operation\tclients\trequests\terrors\treq/s\tp50 ms\tp95 ms\tp99 ms\tmax ms\tpeak RSS MB\tCPU µs/req: server\tpostgres\tloadgen\t")
	byName := map[string]*result{}
	for _, r := range results {
		byName[r.name] = r
		if r.skipped != "" {
			fmt.Fprintf(tw, "%s\t%d\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t\n", r.name, r.clients)
			continue
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%.1f\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", r.name, r.clients, len(r.lats), r.errors, r.rps(),
			ms(r.pct(50)), ms(r.pct(95)), ms(r.pct(99)), ms(r.pct(100)), mb(r.peakRSS),
			r.perReq(r.cpu.server), r.perReq(r.cpu.postgres), r.perReq(r.cpu.loadgen))
	}
	tw.Flush()
	for _, r := range results {
		if r.skipped != "" {
			fmt.Fprintf(out, "  %s: skipped: %s\n", r.name, r.skipped)
		}
		if r.errors > 0 {
			fmt.Fprintf(out, "  %s: errors %v; first: %.300s\n", r.name, r.statuses, r.sample)
		}
		if r.note != "" {
			fmt.Fprintf(out, "  %s: %s\n", r.name, r.note)
		}
	}
	if cfg.pid > 0 {
		fmt.Fprintf(out, "server peak RSS (VmHWM since start): %s MB\n", mb(hwm))
	}
	fmt.Fprintln(out)
	fmt.Fprintln(out, "Against the ceiling (pgbench, same database, same clients) and the targets of issue 14:")
	tw = tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "measure\tAPI\tceiling\tratio\ttarget\tmet\t")
	mark := func(ok bool) string {
		if ok {
			return "yes"
		}
		return "NO"
	}
	for _, c := range []struct {
		name        string
		tps, p99    float64
		targetRatio float64
	}{{"create", cfg.ceilCreate, cfg.ceilCreateP99, 0.25}, {"get", cfg.ceilGet, cfg.ceilGetP99, 0.15}} {
		r := byName[c.name]
		if r == nil || r.skipped != "" || c.tps == 0 {
			continue
		}
		ratio := r.rps() / c.tps
		fmt.Fprintf(tw, "%s req/s\t%.0f\t%.0f tps\t%.1f%%\t>= %.0f%%\t%s\t\n", c.name, r.rps(), c.tps, 100*ratio, 100*c.targetRatio, mark(ratio >= c.targetRatio))
		p99 := float64(r.pct(99)) / 1e6
		fmt.Fprintf(tw, "%s p99\t%.2f ms\t%.2f ms\t\t< 20 ms\t%s\t\n", c.name, p99, c.p99, mark(p99 < 20))
	}
	if cr := byName["create"]; cr != nil && cr.skipped == "" && cr.rps() > 0 {
		for _, name := range []string{"take", "resolve"} {
			if r := byName[name]; r != nil && r.skipped == "" {
				ratio := r.rps() / cr.rps()
				fmt.Fprintf(tw, "%s req/s\t%.0f\t%.0f create/s\t%.1f%%\t>= 60%% of create\t%s\t\n", name, r.rps(), cr.rps(), 100*ratio, mark(ratio >= 0.6))
			}
		}
	}
	for _, c := range []struct {
		name, what string
		limit      float64
	}{{"entemonth", "ente x month report", 20}, {"annual", "annual report", 100}} {
		if r := byName[c.name]; r != nil && r.skipped == "" {
			p50, p99 := float64(r.pct(50))/1e6, float64(r.pct(99))/1e6
			fmt.Fprintf(tw, "%s p50 / p99 (%d client)\t%.1f / %.1f ms\t\t\t< %.0f ms\t%s\t\n", c.what, r.clients, p50, p99, c.limit, mark(p99 < c.limit))
		}
	}
	if r := byName["getmix"]; r != nil && r.skipped == "" {
		fmt.Fprintf(tw, "get beside creates\t%.0f req/s, %d errors\t\t\t>= 5000 req/s, none (SQLite)\t%s\t\n", r.rps(), r.errors, mark(r.rps() >= 5000 && r.errors == 0))
	}
	if cfg.pid > 0 {
		fmt.Fprintf(tw, "server peak RSS\t%s MB\t\t\t< 80 MB\t%s\t\n", mb(hwm), mark(hwm < 80<<20))
	}
	tw.Flush()
}
