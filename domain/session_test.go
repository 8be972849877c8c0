package domain

import (
	"testing"
	"time"
)

func TestEndsSessions(t *testing.T) {
	base := User{PasswordHash: "h1", Role: RoleOperator, Level: 1, Active: true}
	for name, c := range map[string]struct {
		change func(*User)
		want   bool
	}{
		"password":     {func(u *User) { u.PasswordHash = "h2" }, true},
		"deactivation": {func(u *User) { u.Active = false }, true},
		"role":         {func(u *User) { u.Role, u.Level = RoleTechnician, 0 }, true},
		"level":        {func(u *User) { u.Level = 2 }, true},
		"ente":         {func(u *User) { u.EnteCode = "firenze" }, true},
		"nothing":      {func(*User) {}, false},
		"updated_at":   {func(u *User) { u.UpdatedAt = time.Now() }, false},
	} {
		after := base
		c.change(&after)
		if got := EndsSessions(base, after); got != c.want {
			t.Errorf("%s: got %v, want %v", name, got, c.want)
		}
	}
	inactive := base
	inactive.Active = false
	if EndsSessions(inactive, base) {
		t.Error("re-activation: got true, want false (it grants no token anything)")
	}
}

func TestLoginThrottleDelaysDouble(t *testing.T) {
	now := time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)
	var th LoginThrottle
	var got []time.Duration
	for i := 0; i < PairFreeFailures+5; i++ {
		th.Fail(now, PairFreeFailures)
		got = append(got, th.Wait(now))
	}
	want := []time.Duration{0, 0, 0, time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("waits after each failure: got %v, want %v", got, want)
		}
	}
	for i := 0; i < 40; i++ {
		th.Fail(now, PairFreeFailures)
	}
	if w := th.Wait(now); w != MaxLoginDelay {
		t.Errorf("after many failures: got %v, want the cap %v", w, MaxLoginDelay)
	}
	if w := th.Wait(now.Add(MaxLoginDelay)); w != 0 {
		t.Errorf("after the delay: got %v, want 0", w)
	}
	th.Fail(now.Add(ThrottleForget+MaxLoginDelay), PairFreeFailures)
	if th.Failures != 1 {
		t.Errorf("after an hour without failures: got %d failures, want the count to start again at 1", th.Failures)
	}
}

func TestTextProblem(t *testing.T) {
	for _, c := range []struct {
		s        string
		free, ok bool
	}{
		{"Comune di Firenze", false, true},
		{"riga 1\r\n\triga 2", true, true},
		{"riga 1\nriga 2", false, false},
		{"a\x00b", true, false},
		{"a\x00b", false, false},
		{"\x1b[31m", true, false},
		{"a\x7fb", true, false},
		{"abc\u202egpj.exe", false, false},
		{"abc\u2066x\u2069", false, false},
		{"שלום \u202bx\u202c", true, true},
		{"Perché è già", false, true},
	} {
		if got := TextProblem(c.s, c.free) == ""; got != c.ok {
			t.Errorf("TextProblem(%q, free=%v): got ok=%v, want %v", c.s, c.free, got, c.ok)
		}
	}
}
