// Package requestid names each HTTP request the hub serves, so that its log
// lines, and what the client reports, can be matched: the id travels in the
// request's context and in the X-Request-Id header, and Handler adds it to
// every line logged with that context.
package requestid
