// Package config reads and checks the operator's YAML configuration of the
// provider.
//
// Load parses a file strictly (an unknown or misspelt field is an error, not
// a silently ignored line), fills defaults, and runs Validate, which reports
// every problem at once as a *ValidationError whose entries name the YAML
// path of the offending field (for example "clients[2].redirect_uris[0]").
// docs/config.md is the reference of every field.
//
// Defaults depend on dev mode: a dev config may use http URLs, an
// auto-generated master key and open client registration; a production
// config may not.
package config
