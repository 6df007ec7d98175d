// Package api is the hub's HTTP surface under /v1, with health, readiness,
// metrics and the OpenAPI document. It authenticates callers, checks that
// they may see what they ask for, and hands submissions to the ingest
// connector.
package api
