// Command nagiosimport measures the nagios.log import: it writes a log of
// the given size (five systems, a check result every few seconds, some
// outages and downtimes), then streams it through the import use case into
// a freshly migrated database and prints the time, the throughput and the
// process's peak RSS (VmHWM). See BENCHMARKS.md.
//
//	nagiosimport -mb 200 -db /tmp/bench.db
//	nagiosimport -mb 200 -db postgres://helpdesk:helpdesk@127.0.0.1:5432/bench?sslmode=disable
package main

import (
	"bufio"
	"context"
	"database/sql"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/cst-firenze/helpdesk/app"
	"github.com/cst-firenze/helpdesk/repository"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "nagiosimport:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("nagiosimport", flag.ContinueOnError)
	mb := fs.Int("mb", 200, "size of the generated log in MB")
	db := fs.String("db", filepath.Join(os.TempDir(), "nagiosimport.db"), "SQLite path or postgres:// URL (a fresh database)")
	logPath := fs.String("log", filepath.Join(os.TempDir(), "nagios-bench.log"), "where to write the log")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the import to this file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	size, err := writeLog(*logPath, int64(*mb)<<20)
	if err != nil {
		return err
	}
	if !repository.IsPostgresURL(*db) {
		for _, suffix := range []string{"", "-wal", "-shm"} {
			_ = os.Remove(*db + suffix)
		}
	}
	store, err := repository.Open(*db)
	if err != nil {
		return err
	}
	defer store.Close()
	if _, err := store.Migrate(ctx); err != nil {
		return err
	}
	f, err := os.Open(*logPath)
	if err != nil {
		return err
	}
	defer f.Close()
	m := app.NewMonitoring(store, time.Now)
	if *cpuProfile != "" {
		pf, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer pf.Close()
		if err := pprof.StartCPUProfile(pf); err != nil {
			return err
		}
	}
	var backends func() time.Duration
	if repository.IsPostgresURL(*db) {
		if backends, err = backendsCPU(ctx, *db); err != nil {
			return err
		}
	}
	load0 := loadAvg()
	cpu0 := cpuTime()
	start := time.Now()
	res, err := m.ImportLog(ctx, f)
	if *cpuProfile != "" {
		pprof.StopCPUProfile()
	}
	if err != nil {
		return err
	}
	took := time.Since(start)
	cpu := cpuTime() - cpu0
	logMB := float64(size) / (1 << 20)
	fmt.Fprintf(out, "database   %s\nlog        %.1f MB, %d lines, %d records, %d ignored\nstored     %d rows, %d alerts counted\ntime       %s\nthroughput %.1f MB/s\n",
		store.Dialect(), logMB, res.Lines, res.Records, res.Ignored, res.Stored, res.Alerts, took.Round(time.Millisecond), logMB/took.Seconds())
	// On a shared machine the wall time measures the others too; the
	// process's own CPU time (user + sys) does not, though on PostgreSQL it
	// leaves out the server's work.
	fmt.Fprintf(out, "cpu        %s user+sys of this process, %.1f MB per CPU-second\nload       %s before, %s after\npeak RSS   %s\n",
		cpu.Round(time.Millisecond), logMB/cpu.Seconds(), load0, loadAvg(), peakRSS())
	if backends != nil {
		server := backends()
		fmt.Fprintf(out, "server cpu %s user+sys of the database's backends, %.1f MB per CPU-second of both\n",
			server.Round(time.Millisecond), logMB/(cpu+server).Seconds())
	}
	return nil
}

// writeLog writes a nagios.log of about size bytes: state changes of the
// five systems' probes every 7 seconds of log time, alternating SOFT
// warnings, HARD criticals and recoveries, with downtimes and
// notifications mixed in, as a busy Nagios writes them.
func writeLog(path string, size int64) (int64, error) {
	f, err := os.Create(path)
	if err != nil {
		return 0, err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	hosts := []string{"csdb1", "csdb2", "csicms", "cscms", "csbo"}
	services := []string{"MySQL", "MySQL", "HTTP", "HTTP", "HTTP"}
	t := time.Date(2017, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	var n int64
	for i := 0; n < size; i++ {
		h := i % len(hosts)
		t += 7
		var line string
		switch i % 10 {
		case 0, 1, 2, 3:
			line = fmt.Sprintf("[%d] SERVICE ALERT: %s;%s;WARNING;SOFT;1;WARNING - response slow | time=0.%03ds;;;0.000000 size=%dB\n", t, hosts[h], services[h], i%9+1, 400+i%100)
		case 4, 5:
			line = fmt.Sprintf("[%d] SERVICE ALERT: %s;%s;OK;SOFT;2;OK - %d bytes in 0.00%d second response time | time=0.00%ds;;;0.000000\n", t, hosts[h], services[h], 500+i%50, i%9+1, i%9+1)
		case 6:
			line = fmt.Sprintf("[%d] SERVICE ALERT: %s;%s;CRITICAL;HARD;3;CRITICAL - Socket timeout after 10 seconds\n", t, hosts[h], services[h])
		case 7:
			line = fmt.Sprintf("[%d] SERVICE ALERT: %s;%s;OK;HARD;1;OK - recovered | time=0.006s;;;0.000000\n", t, hosts[h], services[h])
		case 8:
			line = fmt.Sprintf("[%d] SERVICE NOTIFICATION: nagiosadmin;%s;%s;OK;notify-service-by-email;OK - recovered\n", t, hosts[h], services[h])
		default:
			phase := "STARTED"
			if i%20 == 19 {
				phase = "STOPPED"
			}
			line = fmt.Sprintf("[%d] HOST DOWNTIME ALERT: %s;%s; Host has %s a period of scheduled downtime\n", t, hosts[h], phase, strings.ToLower(phase))
		}
		k, err := w.WriteString(line)
		if err != nil {
			f.Close()
			return n, err
		}
		n += int64(k)
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return n, err
	}
	return n, f.Close()
}

// backendsCPU notes the CPU time of the PostgreSQL backends serving the
// database (the server runs on this machine) and returns what gives the
// CPU time they have used since, counting backends started later whole.
func backendsCPU(ctx context.Context, url string) (func() time.Duration, error) {
	db, err := sql.Open("pgx", url)
	if err != nil {
		return nil, err
	}
	pids := func() map[int]time.Duration {
		out := map[int]time.Duration{}
		rows, err := db.QueryContext(ctx, "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
		if err != nil {
			return out
		}
		defer rows.Close()
		for rows.Next() {
			var pid int
			if rows.Scan(&pid) == nil {
				out[pid] = procCPU(pid)
			}
		}
		return out
	}
	before := pids()
	return func() time.Duration {
		defer db.Close()
		var d time.Duration
		for pid, t := range pids() {
			d += t - before[pid]
		}
		return d
	}, nil
}

// procCPU is the user and system time of a process from /proc, in the
// kernel's clock ticks of 1/100 s.
func procCPU(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// Fields after the command name, which is in parentheses: utime and
	// stime are the 12th and 13th.
	i := strings.LastIndexByte(string(b), ')')
	f := strings.Fields(string(b)[i+1:])
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(u+st) * 10 * time.Millisecond
}

// cpuTime is the user and system CPU time the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// loadAvg is the machine's 1-minute load average.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return "unknown"
	}
	return f[0]
}

// peakRSS reads the process's high-water resident set from /proc.
func peakRSS() string {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "unknown"
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}
