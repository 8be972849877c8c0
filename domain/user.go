package domain

import (
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"
)

// Role is what a user is allowed to do.
type Role string

// Roles.
const (
	RoleAdmin      Role = "admin"      // manages users, enti, calendars and SLA targets
	RoleOperator   Role = "operator"   // help desk, level 1 or 2
	RoleTechnician Role = "technician" // CED Multiente interventions
	RoleEnte       Role = "ente"       // staff of exactly one ente
	RoleReporter   Role = "reporter"   // machine clients pulling statistics
	RoleMonitor    Role = "monitor"    // Nagios or Icinga posting state changes, nothing else
)

// Roles lists every role, for validation and for tests that iterate them.
var Roles = []Role{RoleAdmin, RoleOperator, RoleTechnician, RoleEnte, RoleReporter, RoleMonitor}

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	for _, k := range Roles {
		if r == k {
			return true
		}
	}
	return false
}

// User is a person or machine client that can log in.
type User struct {
	ID           int64
	Username     string
	PasswordHash string
	Role         Role
	Level        Level  // operators only: 1 or 2
	EnteCode     string // ente users only
	Active       bool
	CreatedAt    time.Time
	UpdatedAt    time.Time
	Version      int
	// SessionVersion is carried by access tokens; raising it ends them all.
	SessionVersion int
	Email          string // where notices go; "" for none
	EmailOptOut    bool   // the user asked for no e-mail
}

// Mailable reports whether the user gets e-mail notices.
func (u User) Mailable() bool { return u.Active && u.Email != "" && !u.EmailOptOut }

// Validate checks the rules that bind role, level and ente together.
func (u User) Validate() error {
	var fe []FieldError
	name := strings.TrimSpace(u.Username)
	if len(name) < 3 || len(name) > 64 || name != u.Username || strings.ContainsAny(name, " \t\r\n") {
		fe = append(fe, FieldError{Field: "username", Detail: "must be 3 to 64 characters without spaces"})
	}
	if !u.Role.Valid() {
		fe = append(fe, FieldError{Field: "role", Detail: "must be one of admin, operator, technician, ente, reporter, monitor"})
	}
	switch {
	case u.Role == RoleOperator && u.Level != 1 && u.Level != 2:
		fe = append(fe, FieldError{Field: "level", Detail: "an operator works at level 1 or 2"})
	case u.Role != RoleOperator && u.Level != 0:
		fe = append(fe, FieldError{Field: "level", Detail: "only operators have a level"})
	}
	switch {
	case u.Role == RoleEnte && u.EnteCode == "":
		fe = append(fe, FieldError{Field: "ente", Detail: "an ente user is bound to exactly one ente"})
	case u.Role != RoleEnte && u.EnteCode != "":
		fe = append(fe, FieldError{Field: "ente", Detail: "only ente users are bound to an ente"})
	}
	if !validEmail(u.Email) {
		fe = append(fe, FieldError{Field: "email", Detail: "must be a plain e-mail address such as nome@comune.fi.it"})
	}
	if len(fe) > 0 {
		return Invalid("the user is not valid", fe...)
	}
	return nil
}

// ValidatePassword is the password policy: 12 characters at least, and
// at most 72 bytes, which is all bcrypt reads.
func ValidatePassword(pw string) error {
	if utf8.RuneCountInString(pw) < 12 || len(pw) > 72 {
		return Invalid("the password is not acceptable", FieldError{Field: "password", Detail: "must be 12 to 72 bytes long"})
	}
	return nil
}

// Principal is who makes a request: a logged-in user or an API token.
type Principal struct {
	UserID   int64
	Username string
	Role     Role
	Level    Level
	EnteCode string
	TokenID  int64 // set when authenticated by a long-lived API token
}

// SeesEnte reports whether the principal may see objects of the ente: ente
// users see only their own, every other role sees all.
func (p Principal) SeesEnte(code string) bool {
	return p.Role != RoleEnte || p.EnteCode == code
}

// IsStaff reports whether the principal works at the centre (not an ente
// user, not a machine client).
func (p Principal) IsStaff() bool {
	return p.Role == RoleAdmin || p.Role == RoleOperator || p.Role == RoleTechnician
}

// APIToken is a long-lived, revocable credential for a machine client. Only
// the SHA-256 of the secret is kept.
type APIToken struct {
	ID         int64
	Name       string
	UserID     int64
	Hash       []byte
	CreatedAt  time.Time
	ExpiresAt  *time.Time
	RevokedAt  *time.Time
	LastUsedAt *time.Time
}

// Ente is a public body served by the centre.
type Ente struct {
	Code          string
	Name          string
	Kind          string // comune, unione_comuni, citta_metropolitana
	ContactCenter bool
	CEDMultiente  string // "", covered, covered_by_union, online, not_applicable
	OfficeEmail   string // the offices' address, told of outages (SLA.9); "" for none
	CreatedAt     time.Time
	UpdatedAt     time.Time
	Version       int
}

// EnteKinds lists the kinds of ente.
var EnteKinds = []string{"comune", "unione_comuni", "citta_metropolitana"}

// CEDCoverages lists the CED Multiente values of an ente.
var CEDCoverages = []string{"", "covered", "covered_by_union", "online", "not_applicable"}

// CoveredByCED reports whether the CED Multiente team serves the ente, and
// so whether interventions may be requested for it.
func (e Ente) CoveredByCED() bool {
	return e.CEDMultiente == "covered" || e.CEDMultiente == "covered_by_union"
}

// Validate checks an ente's fields.
func (e Ente) Validate() error {
	var fe []FieldError
	if !validCode(e.Code) {
		fe = append(fe, FieldError{Field: "code", Detail: "must be 2 to 64 lowercase letters, digits or dashes"})
	}
	if n := len(strings.TrimSpace(e.Name)); n == 0 || n > 200 {
		fe = append(fe, FieldError{Field: "name", Detail: "must be 1 to 200 characters"})
	}
	if !contains(EnteKinds, e.Kind) {
		fe = append(fe, FieldError{Field: "kind", Detail: "must be one of " + strings.Join(EnteKinds, ", ")})
	}
	if !contains(CEDCoverages, e.CEDMultiente) {
		fe = append(fe, FieldError{Field: "ced_multiente", Detail: "must be empty or one of covered, covered_by_union, online, not_applicable"})
	}
	if !validEmail(e.OfficeEmail) {
		fe = append(fe, FieldError{Field: "office_email", Detail: "must be empty or a plain e-mail address such as protocollo@comune.fi.it"})
	}
	if len(fe) > 0 {
		return Invalid("the ente is not valid", fe...)
	}
	return nil
}

// validEmail reports whether s is empty or one plain address (no display
// name, no list).
func validEmail(s string) bool {
	if s == "" {
		return true
	}
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && len(s) <= 254
}

func validCode(s string) bool {
	if len(s) < 2 || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	return true
}

func contains[T comparable](list []T, v T) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
