package main

import (
	"fmt"
	"math"
	"runtime/debug"
	"strconv"
	"strings"
)

// defaultMemoryLimit keeps the server's resident memory under 80 MB while
// letting the collector run far less often than Go's default (GOGC=100
// on a heap of a few MB meant ~55 collections a second under load). It
// bounds Go's memory only: SQLite's page caches come on top (measured:
// 64 MiB gave an 88 MB peak on SQLite, 59 MB on PostgreSQL).
const defaultMemoryLimit = 48 << 20

// memoryGCPercent is the GOGC used under a memory limit: the heap may grow
// to 5× what is live before a collection, and the limit bounds it anyway.
const memoryGCPercent = 400

// setMemoryLimit applies HELPDESK_MEMORY_LIMIT (a size such as 64MiB, or
// "off" for Go's defaults) as a soft memory limit with GOGC=400. GOGC or
// GOMEMLIMIT set in the environment win: they are the runtime's own
// settings, already applied at start. It returns what is in force.
func setMemoryLimit(getenv func(string) string) (string, error) {
	v := strings.TrimSpace(getenv("HELPDESK_MEMORY_LIMIT"))
	if getenv("GOGC") != "" || getenv("GOMEMLIMIT") != "" {
		return "GOGC/GOMEMLIMIT from the environment", nil
	}
	if strings.EqualFold(v, "off") {
		return "off (Go defaults)", nil
	}
	limit := int64(defaultMemoryLimit)
	if v != "" {
		n, err := parseSize(v)
		if err != nil || n < 16<<20 {
			return "", fmt.Errorf("HELPDESK_MEMORY_LIMIT must be a size of at least 16MiB such as 64MiB or 1GiB, or off (got %q)", v)
		}
		limit = n
	}
	debug.SetMemoryLimit(limit)
	debug.SetGCPercent(memoryGCPercent)
	return fmt.Sprintf("%d MiB, GOGC=%d", limit>>20, memoryGCPercent), nil
}

// parseSize reads bytes with an optional KiB/MiB/GiB or KB/MB/GB suffix.
func parseSize(v string) (int64, error) {
	units := []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"B", 1}}
	mult := int64(1)
	for _, u := range units {
		if s, ok := strings.CutSuffix(v, u.suffix); ok {
			v, mult = strings.TrimSpace(s), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 || n > math.MaxInt64/mult {
		return 0, fmt.Errorf("not a size: %q", v)
	}
	return n * mult, nil
}
