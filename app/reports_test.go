package app_test

import (
	"context"
	"testing"

	"github.com/cst-firenze/helpdesk/app"
	"github.com/cst-firenze/helpdesk/domain"
)

// entiOnly is a report store that knows one ente and nothing else; Scope
// needs no more.
type entiOnly struct{ app.ReportStore }

func (entiOnly) GetEnte(_ context.Context, code string) (domain.Ente, error) {
	if code == "firenze" {
		return domain.Ente{Code: code}, nil
	}
	return domain.Ente{}, domain.ErrNotFound
}

func TestReportScope(t *testing.T) {
	r := app.NewReports(entiOnly{}, nil, nil)
	staff := domain.Principal{UserID: 1, Role: domain.RoleOperator}
	ente := domain.Principal{UserID: 2, Role: domain.RoleEnte, EnteCode: "firenze"}
	for _, tc := range []struct {
		name string
		p    domain.Principal
		in   string
		want string
		code domain.Code
	}{
		{"staff, every ente", staff, "", "", ""},
		{"staff, a known ente", staff, "firenze", "firenze", ""},
		{"staff, an unknown ente is 400", staff, "nessuno", "", domain.CodeInvalid},
		{"ente user, their own by default", ente, "", "firenze", ""},
		{"ente user, another ente is 403", ente, "fiesole", "", domain.CodeForbidden},
	} {
		got, err := r.Scope(context.Background(), tc.p, tc.in)
		if code := domain.ErrorCode(err); err != nil && code != tc.code || err == nil && tc.code != "" || got != tc.want {
			t.Errorf("%s: got %q, %v; want %q, code %q", tc.name, got, err, tc.want, tc.code)
		}
	}
}
