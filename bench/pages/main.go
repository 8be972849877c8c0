// Command pages times the pages people wait on (the operators' queue, a
// ticket, the annual report, an ente user's "I miei ticket") on a seeded
// database, through the binary's own wiring over real HTTP:
//
//	go run ./bench/loadgen seed -db postgres://.../he_bench -tickets 1000000
//	go run ./bench/pages -db postgres://.../he_bench -n 50
//
// One client, one request at a time: this is the latency a person sees,
// not throughput. It signs in through the sign-in page as an operator and
// an ente user it creates when missing, and prints per page the median,
// p95 and maximum, with the machine's load average before and after.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/cst-firenze/helpdesk/api"
	"github.com/cst-firenze/helpdesk/app"
	"github.com/cst-firenze/helpdesk/domain"
	"github.com/cst-firenze/helpdesk/repository"
	"github.com/cst-firenze/helpdesk/web"
)

const password = "bench-password-long-enough"

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "pages:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("pages", flag.ContinueOnError)
	dbURL := fs.String("db", "", "URL of a migrated, seeded help-desk database (required)")
	addr := fs.String("addr", "127.0.0.1:18085", "where to serve the pages while timing them")
	n := fs.Int("n", 50, "timed requests per page (after 3 untimed ones)")
	ente := fs.String("ente", "firenze", "ente of the ente user")
	year := fs.Int("year", 0, "year of the annual report (0: last year)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dbURL == "" {
		return errors.New("-db is required")
	}
	store, err := repository.Open(*dbURL)
	if err != nil {
		return err
	}
	defer store.Close()
	if _, err := store.Migrate(ctx); err != nil {
		return err
	}
	for _, u := range []domain.User{{Username: "bench-operatore", Role: domain.RoleOperator, Level: 2}, {Username: "bench-ente", Role: domain.RoleEnte, EnteCode: *ente}} {
		if err := ensureUser(ctx, store, u); err != nil {
			return err
		}
	}
	newest, err := store.ListTickets(ctx, domain.TicketFilter{Limit: 1, Now: time.Now()})
	if err != nil {
		return err
	}
	if len(newest.Tickets) == 0 {
		return errors.New("no tickets: seed the database first (go run ./bench/loadgen seed)")
	}
	maxID, total := newest.Tickets[0].ID, *newest.Total
	own, err := store.ListTickets(ctx, domain.TicketFilter{EnteCode: *ente, Limit: 1, Now: time.Now()})
	if err != nil {
		return err
	}
	if len(own.Tickets) == 0 {
		return fmt.Errorf("ente %s has no tickets", *ente)
	}
	enteTicket := own.Tickets[0].ID
	// Deep pages of the queue: the 16th and 50th pages by SLA due (walked
	// with the cursors, as "Pagina successiva" does; on the seeded data
	// the first is among the tickets with a due, the second past them),
	// and a page halfway down the tail of tickets without a due.
	page16, page50, deepTail, err := deepCursors(ctx, store, maxID)
	if err != nil {
		return err
	}
	srv, err := api.New(api.Config{JWTSecret: []byte("bench-pages-secret-of-32-bytes!!"), PasswordCost: bcrypt.MinCost,
		Monitoring: app.NewMonitoring(store, time.Now)}, store)
	if err != nil {
		return err
	}
	svc, err := web.NewServices(srv, store, app.Clock(time.Now), func(pw string) (string, error) { return api.HashPassword(pw, bcrypt.MinCost) })
	if err != nil {
		return err
	}
	pages, err := web.New(web.Config{}, svc)
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.Handle("/", srv)
	pages.Mount(mux)
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	defer hs.Close()
	base := "http://" + ln.Addr().String()

	if *year == 0 {
		*year = time.Now().Year() - 1
	}
	op, err := signIn(base, "bench-operatore")
	if err != nil {
		return err
	}
	en, err := signIn(base, "bench-ente")
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "pages: %d tickets (max id %d), %d timed requests per page, one client; load average before: %s\n", total, maxID, *n, loadavg())
	fmt.Fprintf(out, "%-52s %9s %9s %9s\n", "page", "p50", "p95", "max")
	bearer, err := apiClient(base, "bench-operatore")
	if err != nil {
		return err
	}
	for _, pg := range []struct {
		name string
		c    *http.Client
		path func() string
	}{
		{"operators' queue /ticket", op, func() string { return "/ticket" }},
		{"queue, level 2 open, /ticket?livello=2&stato=aperti", op, func() string { return "/ticket?livello=2&stato=aperti" }},
		{"queue, 16th page by SLA due, /ticket?dopo=…", op, func() string { return "/ticket?dopo=" + page16 }},
		{"queue, 50th page by SLA due, /ticket?dopo=…", op, func() string { return "/ticket?dopo=" + page50 }},
		{"queue, a page halfway down its tail, /ticket?dopo=…", op, func() string { return "/ticket?dopo=" + deepTail }},
		{"ticket page /ticket/{random id}", op, func() string { return fmt.Sprintf("/ticket/%d", 1+rand.Int64N(maxID)) }},
		{fmt.Sprintf("annual report /report?anno=%d", *year), op, func() string { return fmt.Sprintf("/report?anno=%d", *year) }},
		{"(API) GET /api/v1/reports/annual/{year}", bearer, func() string { return fmt.Sprintf("/api/v1/reports/annual/%d", *year) }},
		{"(API) GET /api/v1/reports/tickets?group_by=month (a year)", bearer, func() string {
			return fmt.Sprintf("/api/v1/reports/tickets?group_by=month&from=%d-01-01&to=%d-01-01", *year, *year+1)
		}},
		{"ente user's I miei ticket /ticket", en, func() string { return "/ticket" }},
		{"ente user's ticket page", en, func() string { return fmt.Sprintf("/ticket/%d", enteTicket) }},
	} {
		ds, err := timePage(base, pg.c, pg.path, *n)
		if err != nil {
			return fmt.Errorf("%s: %w", pg.name, err)
		}
		fmt.Fprintf(out, "%-52s %9s %9s %9s\n", pg.name, ms(ds, 50), ms(ds, 95), ms(ds, 100))
	}
	fmt.Fprintf(out, "load average after: %s\n", loadavg())
	return nil
}

// deepCursors are the page marks of deep pages of the queue: after
// walking 15 and 49 pages of 100 by SLA due, and at the ticket halfway
// down the ids in the tail of tickets without a due (opened_at, id).
func deepCursors(ctx context.Context, store *repository.Store, maxID int64) (page16, page50, tail string, err error) {
	f := domain.TicketFilter{ByDue: true, Limit: 100, Now: time.Now()}
	mark := func() string { return url.QueryEscape(app.EncodeCursor(*f.After, app.ByDue)) }
	for i := range 49 {
		pg, err := store.ListTickets(ctx, f)
		if err != nil {
			return "", "", "", err
		}
		if pg.Next == nil {
			return "", "", "", errors.New("the queue has fewer than 50 pages")
		}
		f.After = pg.Next
		if i == 14 {
			page16 = mark()
		}
	}
	mid, err := store.GetTicket(ctx, maxID/2)
	if err != nil {
		return "", "", "", err
	}
	return page16, mark(), url.QueryEscape(app.EncodeCursor(domain.Cursor{At: mid.OpenedAt, ID: mid.ID, NoDue: true}, app.ByDue)), nil
}

func ensureUser(ctx context.Context, store *repository.Store, u domain.User) error {
	if _, err := store.UserByUsername(ctx, u.Username); err == nil {
		return nil
	} else if !errors.Is(err, domain.ErrNotFound) {
		return err
	}
	h, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	if err != nil {
		return err
	}
	now := time.Now().UTC()
	u.PasswordHash, u.Active, u.CreatedAt, u.UpdatedAt, u.Version = string(h), true, now, now, 1
	_, err = store.CreateUser(ctx, u)
	return err
}

var csrfInput = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// signIn signs in through the sign-in page, as a browser does.
func signIn(base, username string) (*http.Client, error) {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 30 * time.Second}
	resp, err := c.Get(base + "/")
	if err != nil {
		return nil, err
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := csrfInput.FindSubmatch(body)
	if m == nil {
		return nil, errors.New("the sign-in page has no CSRF token")
	}
	resp, err = c.PostForm(base+"/accedi", url.Values{"csrf": {string(m[1])}, "username": {username}, "password": {password}})
	if err != nil {
		return nil, err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasSuffix(resp.Request.URL.Path, "/ticket") {
		return nil, fmt.Errorf("sign in as %s: %s at %s", username, resp.Status, resp.Request.URL)
	}
	return c, nil
}

// apiClient signs in to the API and sends its access token on every
// request, to time the annual report's JSON beside its page.
func apiClient(base, username string) (*http.Client, error) {
	resp, err := http.Post(base+"/api/v1/auth/token", "application/json",
		strings.NewReader(fmt.Sprintf(`{"username":%q,"password":%q}`, username, password)))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var t struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&t); err != nil || t.AccessToken == "" {
		return nil, fmt.Errorf("API sign-in as %s: %s", username, resp.Status)
	}
	return &http.Client{Timeout: 30 * time.Second, Transport: bearerTransport(t.AccessToken)}, nil
}

type bearerTransport string

func (b bearerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+string(b))
	return http.DefaultTransport.RoundTrip(r)
}

// timePage fetches the page n times after three untimed warm-ups; any
// answer but 200 is an error, so a broken page is never timed as fast.
func timePage(base string, c *http.Client, path func() string, n int) ([]time.Duration, error) {
	var out []time.Duration
	for i := -3; i < n; i++ {
		p := path()
		start := time.Now()
		resp, err := c.Get(base + p)
		if err != nil {
			return nil, err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		d := time.Since(start)
		if resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("GET %s: %s", p, resp.Status)
		}
		if i >= 0 {
			out = append(out, d)
		}
	}
	slices.Sort(out)
	return out, nil
}

// ms is the q-th percentile of sorted durations in milliseconds.
func ms(sorted []time.Duration, q int) string {
	i := (len(sorted)*q + 99) / 100
	i = min(max(i-1, 0), len(sorted)-1)
	return fmt.Sprintf("%.1f ms", float64(sorted[i].Microseconds())/1000)
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	return strings.Join(f[:3], " ")
}
