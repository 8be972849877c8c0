package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// server is one run of the real helpdesk binary.
type server struct {
	bin    string
	addr   string
	env    []string
	log    *os.File
	cmd    *exec.Cmd
	exited chan struct{}
	err    error // the process's exit, once exited is closed
}

// start launches the binary and waits until /readyz answers 200.
func (s *server) start(ctx context.Context) error {
	cmd := exec.Command(s.bin, "serve")
	cmd.Env = s.env
	cmd.Stdout, cmd.Stderr = s.log, s.log
	if err := cmd.Start(); err != nil {
		return err
	}
	s.cmd, s.exited = cmd, make(chan struct{})
	go func() {
		s.err = cmd.Wait()
		close(s.exited)
	}()
	hc := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-s.exited:
			return fmt.Errorf("the server exited while starting: %v (log: %s)", s.err, s.log.Name())
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		resp, err := hc.Get("http://" + s.addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
	}
	return fmt.Errorf("the server was not ready within 60s (log: %s)", s.log.Name())
}

func (s *server) pid() int { return s.cmd.Process.Pid }

func (s *server) running() bool {
	if s.cmd == nil {
		return false
	}
	select {
	case <-s.exited:
		return false
	default:
		return true
	}
}

// kill ends the server with SIGKILL, as a crash or an OOM kill would.
func (s *server) kill() {
	_ = s.cmd.Process.Signal(syscall.SIGKILL)
	<-s.exited
}

// term sends SIGTERM and waits up to timeout for the process to exit;
// it returns the exit error (nil for status 0).
func (s *server) term(timeout time.Duration) error {
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return err
	}
	select {
	case <-s.exited:
		return s.err
	case <-time.After(timeout):
		s.kill()
		return fmt.Errorf("still running %s after SIGTERM; killed", timeout)
	}
}

// freeAddr returns a loopback address with a port nobody listens on.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// build compiles cmd/helpdesk into dir.
func build(ctx context.Context, dir string) (string, error) {
	bin := dir + "/helpdesk"
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/helpdesk")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	return bin, cmd.Run()
}

// cluster drives the PostgreSQL cluster the database lives in.
type cluster struct {
	version, name string
	down          bool // stopped by us; restarted on the way out
}

func (c *cluster) ctl(action string, args ...string) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	start := time.Now()
	argv := append([]string{"--skip-systemctl-redirect", c.version, c.name, action}, args...)
	out, err := exec.CommandContext(ctx, "pg_ctlcluster", argv...).CombinedOutput()
	if err != nil {
		return time.Since(start), fmt.Errorf("pg_ctlcluster %s: %v: %s", strings.Join(argv, " "), err, out)
	}
	c.down = action == "stop"
	return time.Since(start), nil
}

var dbName = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)

// loopbackOnly refuses a URL that does not point at this machine: the
// program drops and creates the database it names.
func loopbackOnly(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, err
	}
	switch u.Hostname() {
	case "127.0.0.1", "localhost", "::1":
	default:
		return nil, fmt.Errorf("the database host %q is not the loopback; refusing", u.Hostname())
	}
	if !dbName.MatchString(strings.TrimPrefix(u.Path, "/")) {
		return nil, fmt.Errorf("the database name %q is not a plain identifier", u.Path)
	}
	return u, nil
}

// recreateDB drops and creates the database of dbURL, connecting to the
// cluster's postgres database to do it; with create false it only drops.
func recreateDB(ctx context.Context, u *url.URL, create bool) error {
	admin := *u
	admin.Path = "/postgres"
	conn, err := pgx.Connect(ctx, admin.String())
	if err != nil {
		return fmt.Errorf("connect to %s: %w", admin.Redacted(), err)
	}
	defer conn.Close(ctx)
	name := strings.TrimPrefix(u.Path, "/")
	if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
		return err
	}
	if !create {
		return nil
	}
	_, err = conn.Exec(ctx, "CREATE DATABASE "+name)
	return err
}

// ticketsByKey counts the tickets whose subject starts with prefix, by
// subject (the Idempotency-Key the client sent), with the smallest id.
func ticketsByKey(ctx context.Context, dbURL, prefix string) (map[string]keyRows, error) {
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return nil, err
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, "SELECT subject, count(*), min(id) FROM tickets WHERE subject LIKE $1 GROUP BY subject", prefix+"%")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]keyRows{}
	for rows.Next() {
		var k string
		var r keyRows
		if err := rows.Scan(&k, &r.count, &r.id); err != nil {
			return nil, err
		}
		out[k] = r
	}
	return out, rows.Err()
}

type keyRows struct {
	count int
	id    int64
}

// errKind names how a request failed without an HTTP answer.
func errKind(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return "refused"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return "reset"
	case strings.Contains(err.Error(), "server closed idle connection"):
		return "closed-idle"
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	case strings.Contains(err.Error(), "EOF"):
		return "eof"
	default:
		return "other(" + err.Error() + ")"
	}
}
