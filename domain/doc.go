// Package domain holds the business of the help desk: tickets and their
// status transitions, CED interventions, users and roles, SLA clocks and the
// working-time calendar they run on. It knows nothing of HTTP or SQL and
// imports only the standard library.
package domain
