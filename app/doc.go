// Package app holds the use cases of the help desk: each one loads the
// reference data it needs, calls the domain rules and commits through the
// store's update-by-closure, in one transaction, with one "now". Every
// entry point (the HTTP API, web pages, imports, background jobs) calls
// these use cases, so that a rule is written once.
//
// The package imports only domain and the standard library; it declares
// the small store interfaces it needs next to the use cases that need
// them, and the repository package implements them.
package app
