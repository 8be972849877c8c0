package app_test

import (
	"testing"

	"github.com/cst-firenze/helpdesk/app"
	"github.com/cst-firenze/helpdesk/domain"
)

// TestEnteScope pins the list scope the API's lists and the pages share.
func TestEnteScope(t *testing.T) {
	tech := domain.Principal{UserID: 1, Role: domain.RoleTechnician}
	ente := domain.Principal{UserID: 2, Role: domain.RoleEnte, EnteCode: "dicomano"}
	for _, tc := range []struct {
		p         domain.Principal
		in, want  string
		forbidden bool
	}{
		{tech, "", "", false},
		{tech, "fiesole", "fiesole", false},
		{ente, "", "dicomano", false},
		{ente, "dicomano", "dicomano", false},
		{ente, "fiesole", "", true},
	} {
		got, err := app.EnteScope(tc.p, tc.in, "interventions")
		if got != tc.want || (domain.ErrorCode(err) == domain.CodeForbidden) != tc.forbidden || (err != nil) != tc.forbidden {
			t.Errorf("%s asks %q: got %q, %v; want %q, forbidden %v", tc.p.Role, tc.in, got, err, tc.want, tc.forbidden)
		}
	}
}
