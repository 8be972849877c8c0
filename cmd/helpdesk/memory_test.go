package main

import (
	"runtime/debug"
	"testing"
)

// TestMemoryLimitSetting: HELPDESK_MEMORY_LIMIT sets the runtime's soft
// limit and GOGC, "off" and the runtime's own variables leave them, and a
// malformed or tiny size is refused at start.
func TestMemoryLimitSetting(t *testing.T) {
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(-1))
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	env := func(kv ...string) func(string) string {
		m := map[string]string{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) string { return m[k] }
	}
	for _, tc := range []struct {
		env  func(string) string
		want int64
	}{{env(), 48 << 20}, {env("HELPDESK_MEMORY_LIMIT", "200MiB"), 200 << 20}, {env("HELPDESK_MEMORY_LIMIT", "100MB"), 100e6}} {
		debug.SetGCPercent(100)
		if _, err := setMemoryLimit(tc.env); err != nil {
			t.Fatal(err)
		}
		if got := debug.SetMemoryLimit(-1); got != tc.want {
			t.Errorf("limit %d, want %d", got, tc.want)
		}
		if got := debug.SetGCPercent(-1); got != memoryGCPercent {
			t.Errorf("GOGC %d, want %d", got, memoryGCPercent)
		}
		debug.SetGCPercent(100)
	}
	debug.SetMemoryLimit(1 << 40)
	for _, e := range []func(string) string{env("HELPDESK_MEMORY_LIMIT", "off"), env("GOGC", "200"), env("GOMEMLIMIT", "1GiB", "HELPDESK_MEMORY_LIMIT", "64MiB")} {
		if _, err := setMemoryLimit(e); err != nil {
			t.Fatal(err)
		}
		if got := debug.SetMemoryLimit(-1); got != 1<<40 {
			t.Errorf("limit changed to %d; want it left alone", got)
		}
	}
	for _, bad := range []string{"lots", "8MiB", "-1", "64 XB"} {
		if _, err := setMemoryLimit(env("HELPDESK_MEMORY_LIMIT", bad)); err == nil {
			t.Errorf("HELPDESK_MEMORY_LIMIT=%q accepted", bad)
		}
	}
}
