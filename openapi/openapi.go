// Package openapi holds the API contract, openapi.yaml, embedded so the
// server can serve it; its tests drive the real router and check every
// route and response against it.
package openapi

import _ "embed"

// Spec is the OpenAPI 3.1 document of the API.
//
//go:embed openapi.yaml
var Spec []byte
