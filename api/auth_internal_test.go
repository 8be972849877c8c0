package api

import (
	"testing"

	"golang.org/x/crypto/bcrypt"
)

// TestDummyHashHasStoredCost: a login for an unknown username compares
// against a hash of the same bcrypt cost as the stored ones, so its time
// does not tell which usernames exist.
func TestDummyHashHasStoredCost(t *testing.T) {
	for _, cost := range []int{bcrypt.MinCost, 6, 0} {
		s, err := New(Config{JWTSecret: []byte("k"), PasswordCost: cost}, nil)
		if err != nil {
			t.Fatal(err)
		}
		stored, err := HashPassword("a stored password", s.cfg.PasswordCost)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := bcrypt.Cost([]byte(stored))
		if got, err := bcrypt.Cost(s.dummyHash); err != nil || got != want {
			t.Errorf("config cost %d: got dummy hash cost %d (%v), want %d", cost, got, err, want)
		}
	}
}
