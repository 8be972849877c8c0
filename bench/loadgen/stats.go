package main

import (
	"bufio"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// result is what one operation's phase measured.
type result struct {
	name     string
	clients  int
	skipped  string // why the operation did not run; empty when it ran
	window   time.Duration
	lats     []time.Duration // successful and failed requests alike
	errors   int
	statuses map[string]int // error kinds and how often
	sample   string         // the first error's detail
	peakRSS  int64          // bytes, sampled during the phase
	// cpu is the CPU time (user and system) used during the window; per
	// request it is steadier than req/s on a shared machine.
	cpu  cpuUse
	note string
}

func (r *result) rps() float64 {
	if r.window <= 0 {
		return 0
	}
	return float64(len(r.lats)) / r.window.Seconds()
}

// pct returns the p-th percentile (0 < p <= 100) of the latencies, nearest rank.
func (r *result) pct(p float64) time.Duration {
	if len(r.lats) == 0 {
		return 0
	}
	i := int(float64(len(r.lats))*p/100+0.5) - 1
	return r.lats[min(max(i, 0), len(r.lats)-1)]
}

// recorder collects one worker's latencies and errors; workers merge
// theirs at the end so the hot path takes no lock.
type recorder struct {
	lats     []time.Duration
	errors   int
	statuses map[string]int
	sample   string
}

func (rec *recorder) fail(kind, detail string) {
	rec.errors++
	if rec.statuses == nil {
		rec.statuses = map[string]int{}
	}
	rec.statuses[kind]++
	if rec.sample == "" {
		rec.sample = kind + ": " + detail
	}
}

func merge(r *result, recs []*recorder) {
	r.statuses = map[string]int{}
	for _, rec := range recs {
		r.lats = append(r.lats, rec.lats...)
		r.errors += rec.errors
		for k, v := range rec.statuses {
			r.statuses[k] += v
		}
		if r.sample == "" {
			r.sample = rec.sample
		}
	}
	slices.Sort(r.lats)
}

// ms formats a latency in milliseconds.
func ms(d time.Duration) string { return strconv.FormatFloat(float64(d)/1e6, 'f', 2, 64) }

func mb(b int64) string { return strconv.FormatFloat(float64(b)/(1<<20), 'f', 1, 64) }

// perReq formats a CPU time per request of the window in µs, or "-".
func (r *result) perReq(d time.Duration) string {
	if d <= 0 || len(r.lats) == 0 {
		return "-"
	}
	return strconv.FormatInt((d / time.Duration(len(r.lats))).Microseconds(), 10)
}

// cpuUse is CPU time spent by the server, by the PostgreSQL backends of
// its database, and by this process.
type cpuUse struct{ server, postgres, loadgen time.Duration }

// cpuSnapshot is the CPU time of each process at one instant.
type cpuSnapshot struct {
	server, loadgen time.Duration
	backends        map[int]time.Duration // by PostgreSQL backend pid
}

// since is the CPU used between s0 and s. A backend that appeared in
// between counts whole; one that went away is lost (the server's pool
// keeps its connections, so this is rare).
func (s cpuSnapshot) since(s0 cpuSnapshot) cpuUse {
	u := cpuUse{loadgen: s.loadgen - s0.loadgen}
	if s.server > 0 && s0.server > 0 {
		u.server = s.server - s0.server
	}
	for pid, t := range s.backends {
		u.postgres += t - s0.backends[pid]
	}
	return u
}

// clockTicks is USER_HZ, the unit of /proc/PID/stat times: 100 on every
// Linux architecture Go supports.
const clockTicks = 100

// procCPU reads the user and system CPU time of a process from /proc.
func procCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name (field 2) may hold spaces: count from its ")".
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return 0, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	// After the name: state is field 3; utime and stime are 14 and 15.
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	return time.Duration(ut+st) * time.Second / clockTicks, nil
}

// procStatus reads VmRSS and VmHWM (bytes) of a process from /proc.
func procStatus(pid int) (rss, hwm int64, err error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok || (k != "VmRSS" && k != "VmHWM") {
			continue
		}
		n, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("%s: %q", k, v)
		}
		if k == "VmRSS" {
			rss = n << 10
		} else {
			hwm = n << 10
		}
	}
	return rss, hwm, sc.Err()
}

// rssSampler records the highest VmRSS of a process seen since the last
// reset, every interval.
type rssSampler struct {
	mu   sync.Mutex
	peak int64
	stop chan struct{}
	done chan struct{}
}

func startRSSSampler(pid int, every time.Duration) *rssSampler {
	s := &rssSampler{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			if rss, _, err := procStatus(pid); err == nil {
				s.mu.Lock()
				s.peak = max(s.peak, rss)
				s.mu.Unlock()
			}
			select {
			case <-s.stop:
				return
			case <-t.C:
			}
		}
	}()
	return s
}

// reset returns the peak since the last reset and starts again.
func (s *rssSampler) reset() int64 {
	if s == nil {
		return 0
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.peak
	s.peak = 0
	return p
}

func (s *rssSampler) close() {
	if s != nil {
		close(s.stop)
		<-s.done
	}
}
