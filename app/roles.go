package app

import (
	"slices"

	"github.com/cst-firenze/helpdesk/domain"
)

// Who may read the lists that the use cases serve without a role check of
// their own. The API's routes and the pages check these same lists, so a
// page never shows what the API would refuse.
var (
	InterventionViewers = []domain.Role{domain.RoleAdmin, domain.RoleOperator, domain.RoleTechnician, domain.RoleEnte}
	ReportReaders       = []domain.Role{domain.RoleAdmin, domain.RoleOperator, domain.RoleReporter, domain.RoleEnte}
	Administrators      = []domain.Role{domain.RoleAdmin} // users, enti, calendars, SLA targets
	// SLA.11's malfunction report covers every ente: not for ente users.
	OutageReportReaders = []domain.Role{domain.RoleAdmin, domain.RoleOperator, domain.RoleReporter}
)

// Permit is nil when p's role is one of roles, a 403 otherwise.
func Permit(p domain.Principal, roles []domain.Role, what string) error {
	if slices.Contains(roles, p.Role) {
		return nil
	}
	return domain.Errorf(domain.CodeForbidden, "the %s role may not read %s", p.Role, what)
}
