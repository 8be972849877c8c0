package main

import (
	"bytes"
	"context"
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
	if err := run(context.Background(), []string{"migrate"}, env(map[string]string{"HELPDESK_DATABASE_URL": db}), &out); err != nil {
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
	if err := run(context.Background(), []string{"explode"}, env(nil), &bytes.Buffer{}); err == nil {
		t.Error("got no error for an unknown command")
	}
}

func TestServeGeneratesAdminPasswordAndStops(t *testing.T) {
	db := filepath.Join(t.TempDir(), "h.db")
	ctx, cancel := context.WithCancel(context.Background())
	var out syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, nil, env(map[string]string{"HELPDESK_DATABASE_URL": db, "HELPDESK_ADDR": "127.0.0.1:0", "HELPDESK_BCRYPT_COST": "4", "HELPDESK_SHUTDOWN_DRAIN": "0s"}), &out)
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
