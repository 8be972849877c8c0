// Command keyset measures keyset pagination of GET /api/v1/tickets through
// a running server: the first page against a page from the middle of the
// list, with no filter and with an ente + status filter. It reaches the
// middle by walking the list with the API's own next_cursor (no forged
// cursor), then asks for the first and the middle page in turn, so that a
// change of the machine's load hits every case alike. See BENCHMARKS.md.
//
//	keyset -url http://127.0.0.1:18080 -user admin -password ... -ente firenze -status risolto
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "keyset:", err)
		os.Exit(1)
	}
}

type config struct {
	url, user, password string
	ente, status        string
	n, limit            int
}

func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("keyset", flag.ContinueOnError)
	var cfg config
	fs.StringVar(&cfg.url, "url", "http://127.0.0.1:18080", "base URL of a running server")
	fs.StringVar(&cfg.user, "user", "admin", "user to sign in as (sees every ente)")
	fs.StringVar(&cfg.password, "password", os.Getenv("HELPDESK_ADMIN_PASSWORD"), "its password (default $HELPDESK_ADMIN_PASSWORD)")
	fs.StringVar(&cfg.ente, "ente", "firenze", "ente of the filtered case")
	fs.StringVar(&cfg.status, "status", "risolto", "status of the filtered case")
	fs.IntVar(&cfg.n, "n", 300, "requests per case")
	fs.IntVar(&cfg.limit, "limit", 25, "page size of the measured pages")
	if err := fs.Parse(args); err != nil {
		return err
	}
	c := &client{base: strings.TrimRight(cfg.url, "/"), http: &http.Client{Timeout: 30 * time.Second}}
	if err := c.login(ctx, cfg.user, cfg.password); err != nil {
		return err
	}
	fmt.Fprintf(out, "load average before: %s\n", loadAvg())
	type variant struct {
		name   string
		filter url.Values
	}
	variants := []variant{
		{"no filter", url.Values{}},
		{"ente=" + cfg.ente + " & status=" + cfg.status, url.Values{"ente": {cfg.ente}, "status": {cfg.status}}},
	}
	type measured struct {
		name  string
		query string
		lats  []time.Duration
	}
	var cases []*measured
	for _, v := range variants {
		_, total, err := c.page(ctx, v.filter, "", cfg.limit)
		if err != nil {
			return err
		}
		start := time.Now()
		mid, depth, err := c.walk(ctx, v.filter, total/2)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "%s: %d tickets; walked to row %d with next_cursor in %.1f s\n", v.name, total, depth, time.Since(start).Seconds())
		q := withPage(v.filter, "", cfg.limit)
		cases = append(cases, &measured{name: v.name + ", first page", query: q})
		cases = append(cases, &measured{name: fmt.Sprintf("%s, page at row %d", v.name, depth), query: withPage(v.filter, mid, cfg.limit)})
	}
	for i := 0; i < cfg.n; i++ {
		for _, m := range cases {
			t0 := time.Now()
			if err := c.get(ctx, m.query, nil); err != nil {
				return fmt.Errorf("%s: %w", m.name, err)
			}
			m.lats = append(m.lats, time.Since(t0))
		}
	}
	fmt.Fprintf(out, "load average after: %s\n", loadAvg())
	fmt.Fprintf(out, "\n| case | requests | p50 | p99 |\n| --- | --- | --- | --- |\n")
	for _, m := range cases {
		slices.Sort(m.lats)
		fmt.Fprintf(out, "| %s | %d | %s | %s |\n", m.name, len(m.lats), ms(pct(m.lats, 50)), ms(pct(m.lats, 99)))
	}
	fmt.Fprintln(out)
	ok := true
	for i := 0; i+1 < len(cases); i += 2 {
		r := float64(pct(cases[i+1].lats, 50)) / float64(pct(cases[i].lats, 50))
		verdict := "within 2x"
		if r > 2 {
			verdict, ok = "NOT within 2x", false
		}
		fmt.Fprintf(out, "%s: middle / first p50 = %.2f (%s)\n", variants[i/2].name, r, verdict)
	}
	if !ok {
		return fmt.Errorf("a middle page is more than twice as slow as the first")
	}
	return nil
}

// withPage adds the page parameters to a filter, as a path and query.
func withPage(filter url.Values, cursor string, limit int) string {
	q := url.Values{}
	for k, v := range filter {
		q[k] = v
	}
	q.Set("limit", strconv.Itoa(limit))
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	return "/api/v1/tickets?" + q.Encode()
}

type client struct {
	base  string
	token string
	http  *http.Client
}

func (c *client) login(ctx context.Context, user, password string) error {
	body := strings.NewReader(fmt.Sprintf(`{"username":%q,"password":%q}`, user, password))
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/api/v1/auth/token", body)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	var tr struct {
		AccessToken string `json:"access_token"`
	}
	if err := c.do(req, &tr); err != nil {
		return fmt.Errorf("login: %w", err)
	}
	c.token = tr.AccessToken
	return nil
}

type listPage struct {
	Items      []json.RawMessage `json:"items"`
	NextCursor *string           `json:"next_cursor"`
	Total      *int              `json:"total"`
}

// page fetches one page and returns its next cursor and the list's total
// (the first page has one).
func (c *client) page(ctx context.Context, filter url.Values, cursor string, limit int) (next string, total int, err error) {
	var p listPage
	if err := c.get(ctx, withPage(filter, cursor, limit), &p); err != nil {
		return "", 0, err
	}
	if p.Total != nil {
		total = *p.Total
	}
	if p.NextCursor != nil {
		next = *p.NextCursor
	}
	return next, total, nil
}

// walk follows next_cursor in pages of 100 until at least rows rows lie
// behind it, and returns that cursor and the rows it skips.
func (c *client) walk(ctx context.Context, filter url.Values, rows int) (string, int, error) {
	cursor, depth := "", 0
	for depth < rows {
		next, _, err := c.page(ctx, filter, cursor, 100)
		if err != nil {
			return "", 0, err
		}
		if next == "" {
			return "", 0, fmt.Errorf("the list ended after %d rows, before row %d", depth, rows)
		}
		cursor, depth = next, depth+100
	}
	return cursor, depth, nil
}

func (c *client) get(ctx context.Context, path string, into any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+path, nil)
	if err != nil {
		return err
	}
	return c.do(req, into)
}

// do sends req with the token and decodes a 200 answer into into (or
// discards it when into is nil).
func (c *client) do(req *http.Request, into any) error {
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s %s: %d %.300s", req.Method, req.URL.Path, resp.StatusCode, b)
	}
	if into == nil {
		return nil
	}
	return json.Unmarshal(b, into)
}

// pct is the p-th percentile of sorted latencies, nearest rank.
func pct(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted))*p/100+0.5) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	return strings.Join(f[:min(3, len(f))], " ")
}
