package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/cst-firenze/helpdesk/jobs/jobstest"
	"github.com/cst-firenze/helpdesk/repository/repotest"
)

// buildHelpdesk builds this command into the test's temp dir.
func buildHelpdesk(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "helpdesk")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// server is a helpdesk process started by a test.
type server struct {
	cmd  *exec.Cmd
	out  *syncBuffer
	base string // http://addr
}

var servingAddr = regexp.MustCompile(`"msg":"serving","addr":"([^"]+)"`)

// startHelpdesk runs the binary with vars on a free port and waits until
// it serves.
func startHelpdesk(t *testing.T, bin string, vars map[string]string) *server {
	t.Helper()
	s := &server{cmd: exec.Command(bin, "serve"), out: &syncBuffer{}}
	s.cmd.Env = append(os.Environ(), "HELPDESK_ADDR=127.0.0.1:0")
	for k, v := range vars {
		s.cmd.Env = append(s.cmd.Env, k+"="+v)
	}
	s.cmd.Stdout, s.cmd.Stderr = s.out, s.out
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.cmd.Process.Kill(); _ = s.cmd.Wait() })
	jobstest.WaitFor(t, "the server to serve", func() bool {
		m := servingAddr.FindStringSubmatch(s.out.String())
		if m != nil {
			s.base = "http://" + m[1]
		}
		return m != nil
	})
	return s
}

// call sends a JSON request and decodes the JSON answer, failing the test
// unless the status is want.
func (s *server) call(t *testing.T, method, path, token string, body any, want int) map[string]any {
	t.Helper()
	var rd bytes.Buffer
	if body != nil {
		_ = json.NewEncoder(&rd).Encode(body)
	}
	req, _ := http.NewRequest(method, s.base+path, &rd)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	if resp.StatusCode != want {
		t.Fatalf("%s %s: got %d, want %d: %v", method, path, resp.StatusCode, want, out)
	}
	return out
}

func (s *server) login(t *testing.T, password string) string {
	t.Helper()
	return s.call(t, http.MethodPost, "/api/v1/auth/token", "", map[string]string{"username": "admin", "password": password}, http.StatusOK)["access_token"].(string)
}

// TestWebhookSurvivesSIGKILL: a change committed in a process that is
// killed before its message got through is delivered by the next process,
// with the same webhook-id as the attempt before the kill.
func TestWebhookSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildHelpdesk(t)
	const password = "una-password-lunga-abbastanza"
	vars := map[string]string{
		"HELPDESK_DATABASE_URL": filepath.Join(t.TempDir(), "h.db"), "HELPDESK_ADMIN_PASSWORD": password,
		"HELPDESK_JWT_SECRET": "0123456789abcdef0123456789abcdef", "HELPDESK_BCRYPT_COST": "4",
		"HELPDESK_SHUTDOWN_DRAIN": "0s", "HELPDESK_WEBHOOK_ALLOW_PRIVATE": "true",
		"HELPDESK_WEBHOOK_RETRY_FIRST": "2s", "HELPDESK_JOBS_POLL": "100ms",
		// River records an attempt's outcome a moment after it, so a kill
		// can leave the job "running"; the next process's leader rescues it.
		"HELPDESK_JOBS_RESCUE_AFTER": "4s",
	}
	rcv := jobstest.NewReceiver(t, http.StatusServiceUnavailable)
	first := startHelpdesk(t, bin, vars)
	tok := first.login(t, password)
	hook := first.call(t, http.MethodPost, "/api/v1/webhooks", tok, map[string]any{"url": rcv.URL, "event_types": []string{"ticket.created"}}, http.StatusCreated)
	rcv.SetSecret(hook["secret"].(string))
	first.call(t, http.MethodPost, "/api/v1/tickets", tok, map[string]any{"ente": "firenze", "subject": "Il portale non risponde",
		"service": "portale_servizi", "channel": "phone"}, http.StatusCreated)
	jobstest.WaitFor(t, "the first attempt", func() bool { return len(rcv.Messages()) == 1 })
	if err := first.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = first.cmd.Wait()

	second := startHelpdesk(t, bin, vars)
	start := time.Now()
	jobstest.WaitWithin(t, 90*time.Second, "the retry from the second process", func() bool { return len(rcv.Messages()) == 2 })
	t.Logf("delivered %s after the restart", time.Since(start).Round(time.Second))
	ms := rcv.Messages()
	if ms[0].ID != ms[1].ID || ms[1].Type != "ticket.created" {
		t.Fatalf("got %+v and %+v, want the same message with the same webhook-id", ms[0], ms[1])
	}
	tok = second.login(t, password)
	log := second.call(t, http.MethodGet, fmt.Sprintf("/api/v1/webhooks/%v/deliveries", hook["id"]), tok, nil, http.StatusOK)["items"].([]any)
	if len(log) != 2 || log[0].(map[string]any)["status_code"] != float64(204) || log[1].(map[string]any)["status_code"] != float64(503) {
		t.Fatalf("delivery log %v, want 503 then 204", log)
	}
	time.Sleep(300 * time.Millisecond)
	if n := len(rcv.Messages()); n != 2 {
		t.Errorf("got %d messages after the success, want 2", n)
	}
	if err := second.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := second.cmd.Wait(); err != nil {
		t.Fatalf("graceful stop: %v\n%s", err, second.out.String())
	}
	if !strings.Contains(second.out.String(), "job queue stopped") {
		t.Errorf("the job queue did not stop with the server:\n%s", second.out.String())
	}
}

// TestTwoProcessesRunOneSweeper: two servers on one PostgreSQL database
// sweep the SLA clocks as one: River's leader alone inserts the periodic
// sweep, so there is one sweep per period, not two.
func TestTwoProcessesRunOneSweeper(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dsn := repotest.PostgresURL(t)
	bin := buildHelpdesk(t)
	vars := map[string]string{
		"HELPDESK_DATABASE_URL": dsn, "HELPDESK_ADMIN_PASSWORD": "una-password-lunga-abbastanza",
		"HELPDESK_JWT_SECRET": "0123456789abcdef0123456789abcdef", "HELPDESK_BCRYPT_COST": "4",
		"HELPDESK_SHUTDOWN_DRAIN": "0s", "HELPDESK_SLA_SWEEP_EVERY": "1s", "HELPDESK_JOBS_POLL": "100ms",
	}
	startHelpdesk(t, bin, vars) // the first migrates; the second finds it done
	startHelpdesk(t, bin, vars)
	conn, err := pgx.Connect(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	sweeps := func() (n int) {
		if err := conn.QueryRow(t.Context(), "SELECT count(*) FROM river_job WHERE kind = 'sla_sweep'").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	jobstest.WaitWithin(t, 30*time.Second, "a first sweep", func() bool { return sweeps() > 0 })
	before, start := sweeps(), time.Now()
	time.Sleep(8 * time.Second)
	n, elapsed := sweeps()-before, time.Since(start)
	t.Logf("%d sweeps in %s with two processes", n, elapsed.Round(time.Millisecond))
	if max := int(elapsed/time.Second) + 2; n > max || n < 4 {
		t.Fatalf("%d sweeps in %s, want about one a second (at most %d): one sweeper", n, elapsed, max)
	}
	var leaders int
	if err := conn.QueryRow(t.Context(), "SELECT count(*) FROM river_leader").Scan(&leaders); err != nil || leaders != 1 {
		t.Fatalf("river_leader rows: %d, %v", leaders, err)
	}
}
