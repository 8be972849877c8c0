package main

import (
	"bytes"
	"context"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/cst-firenze/helpdesk/repository"
)

// TestHelpListsEveryCommandAndVariable: help, -h and --help print usage
// with every subcommand and every environment variable the code reads,
// with its default, and succeed.
func TestHelpListsEveryCommandAndVariable(t *testing.T) {
	src, err := os.ReadFile("main.go")
	if err != nil {
		t.Fatal(err)
	}
	read := regexp.MustCompile(`getenv\("(HELPDESK_[A-Z_]+)"\)`).FindAllStringSubmatch(string(src), -1)
	if len(read) < 8 {
		t.Fatalf("found %d variables read in main.go; the pattern is stale", len(read))
	}
	for _, arg := range []string{"help", "-h", "--help"} {
		var out bytes.Buffer
		if err := run(context.Background(), []string{arg}, env(nil), nil, &out); err != nil {
			t.Fatalf("%s: %v", arg, err)
		}
		for _, want := range []string{"serve", "migrate", "users set-password NAME", "healthcheck", "version", "_FILE"} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("%s: usage lacks %q", arg, want)
			}
		}
		for _, m := range read {
			if !strings.Contains(out.String(), m[1]+" ") {
				t.Errorf("%s: usage lacks %s, which main.go reads", arg, m[1])
			}
		}
		for _, v := range envVars {
			if !strings.Contains(out.String(), "(default: "+v[1]+")") {
				t.Errorf("%s: usage lacks the default of %s", arg, v[0])
			}
		}
	}
}

// TestVersion: a stamped version is printed as is; otherwise the build
// info's module version (or "(devel)").
func TestVersion(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"version"}, env(nil), nil, &out); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); !strings.HasPrefix(got, "helpdesk ") || len(strings.TrimSpace(got)) <= len("helpdesk") {
		t.Errorf("got %q, want helpdesk and a version", got)
	}
	version = "v1.2.3"
	defer func() { version = "" }()
	if got := versionString(); !strings.HasPrefix(got, "v1.2.3") {
		t.Errorf("stamped: got %q, want v1.2.3 first", got)
	}
}

// TestIgnoredAdminPasswordWarnsAndSetPasswordWorks: a second start with
// HELPDESK_ADMIN_PASSWORD says that it is ignored and how to change the
// password; `users set-password` reads it from stdin and sets it.
func TestIgnoredAdminPasswordWarnsAndSetPasswordWorks(t *testing.T) {
	db := filepath.Join(t.TempDir(), "h.db")
	vars := map[string]string{"HELPDESK_DATABASE_URL": db, "HELPDESK_ADDR": "127.0.0.1:0", "HELPDESK_BCRYPT_COST": "4", "HELPDESK_SHUTDOWN_DRAIN": "0s"}
	_, stop := startStoppable(t, vars)
	stop()
	vars["HELPDESK_ADMIN_PASSWORD"] = "change-me-please"
	out, stop := startStoppable(t, vars)
	stop()
	if !strings.Contains(out.String(), "HELPDESK_ADMIN_PASSWORD is ignored") || !strings.Contains(out.String(), "users set-password admin") {
		t.Errorf("second start does not warn that the password is ignored:\n%s", out.String())
	}

	var res bytes.Buffer
	err := run(context.Background(), []string{"users", "set-password", "admin"}, env(vars), strings.NewReader("change-me-please\n"), &res)
	if err != nil {
		t.Fatalf("set-password: %v", err)
	}
	store, err := repository.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	u, err := store.UserByUsername(context.Background(), "admin")
	store.Close()
	if err != nil || bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte("change-me-please")) != nil {
		t.Errorf("after set-password the admin's password is not the one given (%v)", err)
	}
	for name, c := range map[string]struct {
		args  []string
		stdin string
	}{
		"short password": {[]string{"users", "set-password", "admin"}, "short\n"},
		"unknown user":   {[]string{"users", "set-password", "nobody"}, "a-long-enough-password\n"},
		"no name":        {[]string{"users", "set-password"}, ""},
	} {
		if err := run(context.Background(), c.args, env(vars), strings.NewReader(c.stdin), &bytes.Buffer{}); err == nil {
			t.Errorf("%s: got no error", name)
		}
	}
}

// TestStartFailsClearlyAndEarly: a database URL that is no database is a
// clear error; a busy port fails before the database is touched;
// PostgreSQL that does not answer is retried with a log line per attempt.
func TestStartFailsClearlyAndEarly(t *testing.T) {
	err := run(context.Background(), []string{"migrate"}, env(map[string]string{"HELPDESK_DATABASE_URL": "mysql://u:secret@db/helpdesk"}), nil, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "neither postgres:// nor a SQLite file path") || strings.Contains(err.Error(), "secret") {
		t.Errorf("bad URL: got %v", err)
	}

	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	db := filepath.Join(t.TempDir(), "h.db")
	err = run(context.Background(), []string{"serve"}, env(map[string]string{"HELPDESK_DATABASE_URL": db, "HELPDESK_ADDR": busy.Addr().String()}), nil, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "HELPDESK_ADDR") {
		t.Errorf("busy port: got %v, want an error naming HELPDESK_ADDR", err)
	}
	if _, statErr := os.Stat(db); !os.IsNotExist(statErr) {
		t.Errorf("busy port: the database was created before the port was checked (%v)", statErr)
	}

	closed, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := closed.Addr().String()
	closed.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	var out syncBuffer
	err = run(ctx, []string{"migrate"}, env(map[string]string{"HELPDESK_DATABASE_URL": "postgres://u:p@" + addr + "/db?sslmode=disable&connect_timeout=1"}), nil, &out)
	if err == nil {
		t.Fatal("PostgreSQL down: got no error")
	}
	if n := strings.Count(out.String(), "database not reachable yet"); n < 2 {
		t.Errorf("PostgreSQL down: got %d retry log lines in 3 s, want at least 2:\n%s", n, out.String())
	}
}

// TestSecretsFromFiles: each secret may be given as NAME_FILE; giving both
// forms, or a file that cannot be read, is an error.
func TestSecretsFromFiles(t *testing.T) {
	dir := t.TempDir()
	secret := filepath.Join(dir, "jwt")
	if err := os.WriteFile(secret, []byte("0123456789abcdef0123456789abcdef\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := loadConfig(env(map[string]string{"HELPDESK_JWT_SECRET_FILE": secret}))
	if err != nil || string(cfg.jwtSecret) != "0123456789abcdef0123456789abcdef" {
		t.Errorf("from a file: got %q, %v; want the file's line", cfg.jwtSecret, err)
	}
	for name, vars := range map[string]map[string]string{
		"both":         {"HELPDESK_JWT_SECRET_FILE": secret, "HELPDESK_JWT_SECRET": "0123456789abcdef0123456789abcdef"},
		"missing file": {"HELPDESK_ADMIN_PASSWORD_FILE": filepath.Join(dir, "nope")},
	} {
		if _, err := loadConfig(env(vars)); err == nil {
			t.Errorf("%s: got no error", name)
		}
	}
}
