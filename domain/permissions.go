package domain

import "slices"

// Act names something a signed-in caller may do. Every protected route of
// the API and every page names one; Permissions says who may do it, so the
// API and the pages cannot disagree.
type Act string

// The acts, grouped by area.
const (
	ActOwnSession Act = "use their own session" // read /me, sign out

	ActManageUsers Act = "manage users" // users, their sessions and API tokens

	ActManageNotifications Act = "manage notifications" // webhooks, their deliveries, the job queue and the mail log

	ActReadEnti    Act = "read enti" // enti, closures, the calendar: public knowledge
	ActManageEnti  Act = "manage enti"
	ActReadSLA     Act = "read the SLA settings"
	ActManageSLA   Act = "manage the SLA settings"
	ActManageHours Act = "manage the counter hours"

	ActReadTickets Act = "read tickets"
	ActOpenTicket  Act = "open tickets"
	ActWorkTicket  Act = "work on tickets"  // take in charge, note, escalate, resolve, close, reopen, wait, resume
	ActReplyTicket Act = "reply on tickets" // ente users on their own ente's tickets; the use case narrows the scope
	ActImport      Act = "import tickets"

	ActReadInterventions    Act = "read interventions"
	ActRequestIntervention  Act = "request interventions"
	ActScheduleIntervention Act = "schedule interventions"
	ActCarryOutIntervention Act = "carry out interventions" // start and complete
	ActCancelIntervention   Act = "cancel interventions"

	ActReadReports       Act = "read reports" // statistics: tickets, SLA, interventions, monitoring, outages
	ActReadOutageReport  Act = "read the outage report"
	ActRecordOutages     Act = "record outages"
	ActSendOutageNotices Act = "send outage notices" // e-mail the affected enti's offices or users (SLA.9, SLA.10)
	ActManageMonitoring  Act = "manage the monitored systems"
	ActPostMonitorEvents Act = "post monitoring events"
	ActImportMonitoring  Act = "import monitoring logs"
)

var (
	signedIn  = []Role{RoleAdmin, RoleOperator, RoleTechnician, RoleEnte, RoleReporter} // everyone but monitor, which only posts events
	admins    = []Role{RoleAdmin}
	helpDesk  = []Role{RoleAdmin, RoleOperator}
	deskEnte  = []Role{RoleAdmin, RoleOperator, RoleEnte}
	ticketers = []Role{RoleAdmin, RoleOperator, RoleTechnician, RoleEnte}
)

// Permissions is the one authorization table: the roles allowed per act.
// Reporting tools get aggregates, never tickets; technicians read tickets
// (CED Multiente work starts from them) but not statistics; ente users get
// their own ente's tickets, interventions and statistics (the use cases
// narrow the scope), never SLA.11's report, which covers every ente.
var Permissions = map[Act][]Role{
	ActOwnSession: signedIn,

	ActManageUsers: admins,

	ActManageNotifications: admins,

	ActReadEnti:    signedIn,
	ActManageEnti:  admins,
	ActReadSLA:     helpDesk,
	ActManageSLA:   admins,
	ActManageHours: admins,

	ActReadTickets: ticketers,
	ActOpenTicket:  deskEnte,
	ActWorkTicket:  helpDesk,
	ActReplyTicket: deskEnte,
	ActImport:      admins,

	ActReadInterventions:    ticketers,
	ActRequestIntervention:  deskEnte,
	ActScheduleIntervention: {RoleAdmin, RoleOperator, RoleTechnician},
	ActCarryOutIntervention: {RoleAdmin, RoleTechnician},
	ActCancelIntervention:   helpDesk,

	ActReadReports:       {RoleAdmin, RoleOperator, RoleReporter, RoleEnte},
	ActReadOutageReport:  {RoleAdmin, RoleOperator, RoleReporter},
	ActRecordOutages:     helpDesk,
	ActSendOutageNotices: helpDesk,
	ActManageMonitoring:  admins,
	ActPostMonitorEvents: {RoleAdmin, RoleMonitor},
	ActImportMonitoring:  admins,
}

// TicketActionAct is the act a ticket action needs: a public reply is
// open to ente users too (on their own ente's tickets, as the domain's
// Allows narrows it, an ente's reply ending a wait on it); every other
// action, waits and resumes included, is the help desk's work.
func TicketActionAct(a Action) Act {
	if a == ActionReply {
		return ActReplyTicket
	}
	return ActWorkTicket
}

// Allowed says whether role may do act; an act missing from the table is
// allowed to nobody.
func Allowed(role Role, act Act) bool {
	return slices.Contains(Permissions[act], role)
}

// Permit is nil when p may do act, a forbidden error otherwise.
func Permit(p Principal, act Act) error {
	if Allowed(p.Role, act) {
		return nil
	}
	return Errorf(CodeForbidden, "the %s role may not %s", p.Role, act)
}
