package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestLoadConfigRejectsBadValues(t *testing.T) {
	for name, vars := range map[string]map[string]string{
		"short JWT secret": {"HELPDESK_JWT_SECRET": "too-short"},
		"bcrypt cost":      {"HELPDESK_BCRYPT_COST": "40"},
		"log level":        {"HELPDESK_LOG_LEVEL": "loud"},
		"shutdown timeout": {"HELPDESK_SHUTDOWN_TIMEOUT": "soon"},
		"drain":            {"HELPDESK_SHUTDOWN_DRAIN": "-1s"},
	} {
		if _, err := loadConfig(env(vars)); err == nil {
			t.Errorf("%s: got no error, want one", name)
		}
	}
	cfg, err := loadConfig(env(nil))
	if err != nil || cfg.addr != ":8080" || cfg.databaseURL != "helpdesk.db" {
		t.Errorf("defaults = %+v, %v; want :8080 on helpdesk.db", cfg, err)
	}
}

func TestMigrateCreatesAdminOnlyOnServe(t *testing.T) {
	db := filepath.Join(t.TempDir(), "h.db")
	var out bytes.Buffer
	if err := run(context.Background(), []string{"migrate"}, env(map[string]string{"HELPDESK_DATABASE_URL": db}), nil, &out); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	if !strings.Contains(out.String(), `"migrations_applied"`) {
		t.Errorf("migrate log = %s, want the count of applied migrations", out.String())
	}
	if strings.Contains(out.String(), "created user admin") {
		t.Error("migrate created the admin; only serve should")
	}
}

func TestUnknownCommand(t *testing.T) {
	if err := run(context.Background(), []string{"explode"}, env(nil), nil, &bytes.Buffer{}); err == nil {
		t.Error("got no error for an unknown command")
	}
}

func TestServeGeneratesAdminPasswordAndStops(t *testing.T) {
	db := filepath.Join(t.TempDir(), "h.db")
	ctx, cancel := context.WithCancel(context.Background())
	var out syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, nil, env(map[string]string{"HELPDESK_DATABASE_URL": db, "HELPDESK_ADDR": "127.0.0.1:0", "HELPDESK_BCRYPT_COST": "4", "HELPDESK_SHUTDOWN_DRAIN": "0s"}), nil, &out)
	}()
	for !strings.Contains(out.String(), `"msg":"serving"`) {
		select {
		case err := <-done:
			t.Fatalf("serve ended early: %v\n%s", err, out.String())
		case <-time.After(10 * time.Millisecond):
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve: %v", err)
	}
	if !strings.Contains(out.String(), "generated password") || !strings.Contains(out.String(), `"password":"`) {
		t.Errorf("log does not show the generated admin password once:\n%s", out.String())
	}
}

// syncBuffer is a bytes.Buffer safe for the server's logger and the test
// to use at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startServe runs serve in the background until the test ends and returns
// the log; it waits until the API listener is up.
func startServe(t *testing.T, vars map[string]string) *syncBuffer {
	out, _ := startStoppable(t, vars)
	return out
}

// startStoppable is startServe with a function that stops the server
// before the test ends.
func startStoppable(t *testing.T, vars map[string]string) (*syncBuffer, func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out := &syncBuffer{}
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"serve"}, env(vars), nil, out) }()
	var once sync.Once
	stop := func() { once.Do(func() { cancel(); <-done }) }
	t.Cleanup(stop)
	for !strings.Contains(out.String(), `"msg":"serving"`) {
		select {
		case err := <-done:
			t.Fatalf("serve ended early: %v\n%s", err, out.String())
		case <-time.After(10 * time.Millisecond):
		}
	}
	return out, stop
}

// logAddr finds the addr of the first log line with the message.
func logAddr(t *testing.T, log, msg string) string {
	t.Helper()
	for _, line := range strings.Split(log, "\n") {
		var l struct{ Msg, Addr string }
		if json.Unmarshal([]byte(line), &l) == nil && l.Msg == msg {
			return l.Addr
		}
	}
	t.Fatalf("no log line %q in:\n%s", msg, log)
	return ""
}

func get(t *testing.T, url string) (*http.Response, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// TestMetricsOnTheirOwnListener: with HELPDESK_METRICS_ADDR the metrics
// are served there, and never on the API's listener.
func TestMetricsOnTheirOwnListener(t *testing.T) {
	out := startServe(t, map[string]string{
		"HELPDESK_DATABASE_URL": filepath.Join(t.TempDir(), "h.db"), "HELPDESK_ADDR": "127.0.0.1:0",
		"HELPDESK_METRICS_ADDR": "127.0.0.1:0", "HELPDESK_BCRYPT_COST": "4", "HELPDESK_SHUTDOWN_DRAIN": "0s",
	})
	api, metrics := logAddr(t, out.String(), "serving"), logAddr(t, out.String(), "serving metrics")
	if resp, _ := get(t, "http://"+api+"/healthz"); resp.StatusCode != http.StatusOK || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("public /healthz: got %s, nosniff %q", resp.Status, resp.Header.Get("X-Content-Type-Options"))
	}
	if resp, _ := get(t, "http://"+api+"/metrics"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("public /metrics: got %s, want 404", resp.Status)
	}
	resp, body := get(t, "http://"+metrics+"/metrics")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `helpdesk_http_requests_total{method="GET",route="/healthz",status="200"} 1`) {
		t.Errorf("metrics listener: got %s, body lacks the /healthz count:\n%.300s", resp.Status, body)
	}
}
