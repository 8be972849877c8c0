package domain

import (
	"errors"
	"slices"
	"testing"
)

func TestPermissionsNameKnownRolesOnce(t *testing.T) {
	for act, roles := range Permissions {
		if len(roles) == 0 {
			t.Errorf("%q: no role may do it; remove the act instead", act)
		}
		for i, r := range roles {
			if !slices.Contains(Roles, r) {
				t.Errorf("%q: unknown role %q", act, r)
			}
			if slices.Contains(roles[:i], r) {
				t.Errorf("%q: role %q listed twice", act, r)
			}
		}
	}
}

func TestPermit(t *testing.T) {
	if err := Permit(Principal{Role: RoleReporter}, ActReadReports); err != nil {
		t.Errorf("reporter reading reports: got %v, want nil", err)
	}
	err := Permit(Principal{Role: RoleTechnician}, ActReadReports)
	var de *Error
	if !errors.As(err, &de) || de.Code != CodeForbidden {
		t.Fatalf("technician reading reports: got %v, want a %s error", err, CodeForbidden)
	}
	if want := "the technician role may not read reports"; de.Message != want {
		t.Errorf("got message %q, want %q", de.Message, want)
	}
	if Allowed(RoleAdmin, Act("no such act")) {
		t.Error("an act missing from the table is allowed; want it allowed to nobody")
	}
}
