// Package web serves the hub's pages for people: the public portal at /,
// the department desk under /desk/, the catalogue pages under /catalog/ and
// the operator overview under /ops/. The API stays under /v1/ (package
// api); the hub routes between the two (hub.route). Pages are rendered on
// the server with html/template; nothing is fetched at run time and no page
// needs JavaScript.
//
// # The portal
//
// Public: / (home), /lookup (what is publicly displayed about a person, by
// name and ID number), /lists (the public red and black lists), /types
// (the public types, each linking to /catalog/{code}) and /track (a case
// followed by its number and tracking code). Signed in through the
// identity provider (/signin, /signin/callback, POST /signout): /me (the
// person's records, cases and access log), /me/records/{id}/objection and
// /me/records/{id}/repair (filings with files), /me/cases/{id}. Each calls
// the service the API calls (registry.PublicSpans, store, casework) under
// the same rules: look-ups count against the API's buckets (Deps.Lookups),
// reads are in the audit log before anything is shown, ID numbers are
// masked, and a person reaches only their own records and cases.
//
// Sign-in is the OpenID Connect authorization code flow with state, nonce
// and PKCE (S256), against the provider of idtoken.Config: its
// RedirectURL is this site's /signin/callback, its ClientSecret, if any,
// comes from CREDEX_OIDC_CLIENT_SECRET. credex dev's test provider has an
// authorization endpoint that names any synthetic person.
//
// # A page
//
// One handler per page, a method of server, registered in its area's
// route function (routePortal in portal.go, routeDesk in desk.go,
// routeCatalog in catalog.go, routeOps in ops.go) with a method and path
// pattern. A handler reads its input, calls one service method (casework,
// store, registry: the ones the API calls, with the same authorisation,
// masking, limits and audit), and renders:
//
//	func (s *server) home(w http.ResponseWriter, r *http.Request) {
//		s.render(w, r, http.StatusOK, "home.html", data)
//	}
//
// Each page is a file of templates/ that defines "title" and "main"; the
// layout, templates/base.html, adds the header, the navigation, the
// language switch and the footer. A template sees a page: .Data is the
// handler's data, .T "key" args... a message in the visitor's language,
// .CSRF the hidden CSRF field, .Session.Person the signed-in person.
// Failures are pages too: s.fail(w, r, status, "error.key", args...)
// shows the message as a sentence a person understands; never a stack
// trace, an error's text or a bare code.
//
// # Messages
//
// Every sentence a page shows is a key of messages (i18n.go), in Chinese
// (zh, the default) and English (en); the visitor switches with ?lang=en
// or ?lang=zh, remembered in a cookie, and <html lang> follows. Add a key
// to both languages at once: TestMessagesComplete fails on a key a
// template uses that either lacks.
//
// # Forms, sessions and CSRF
//
// Every visitor has a session (session.go): a cookie sealed with
// AES-256-GCM under a key derived from the hub's subject key (so every hub
// of one database opens it and a restart signs no one out), HttpOnly,
// SameSite=Lax, Secure over TLS, lasting an hour. It holds the CSRF token
// and the signed-in person. Every POST, PUT, PATCH or DELETE must carry the
// token: write {{.CSRF}} inside each <form method="post">; a request
// without it, or sent from another site (Origin, Sec-Fetch-Site), is
// refused with a 403 page before any handler runs. Forms are read with
// r.PostFormValue and r.MultipartForm, already parsed: at most
// anonymousBody, or signedInBody once a person has signed in (a desk that
// signs principals in and takes larger forms raises the bound in csrf).
// Personal data such as ID numbers and tracking tokens travel in POST
// bodies, never in URLs, so that they land in no log.
//
// # Security headers
//
// Every page has a strict Content-Security-Policy (no inline script or
// style: use classes of static/site.css), nosniff, Referrer-Policy
// no-referrer and frame denial (secure), and is not cached.
//
// # Accessibility
//
// Every input has a <label for>; hints are tied with aria-describedby;
// headings go h1, h2, h3 in order, one h1 a page; a skip link leads to
// <main id="main">; pages are usable by keyboard alone and at 390px wide;
// colours keep a contrast of 4.5:1.
//
// # Stable ids for browser tests
//
// Tests drive the pages by these ids; keep them:
//
//	lang-switch          the language switch link (layout)
//	signin               the sign-in link (layout, signed out)
//	signout              the sign-out form (layout, signed in)
//	main                 the main content (skip link target)
//	error-message        the sentence of an error page
//	lookup-form          the public look-up form: lookup-name, lookup-id
//	lookup-results       the results of a look-up; lookup-none when empty
//	record-{id}          a record, on every page that shows records
//	lists-form           the lists look-up form: lists-name, lists-id
//	lists-results        its results
//	types-table          the public types
//	me-person            the signed-in person's name and masked ID number
//	object-{id}          the link to object to record {id} (/me)
//	repair-{id}          the link to apply to repair record {id} (/me)
//	my-cases             the person's cases (/me)
//	access-log           who read the person's records (/me)
//	objection-form       objection-grounds, objection-statement, objection-evidence
//	repair-form          repair-statement, repair-proof, repair-commitment
//	file-limits          the limits of files, shown before upload
//	form-problems        what to fix in a form sent back
//	tracking-token       the tracking code, shown once after filing
//	case-id              a case's number
//	case-status          a case's status; case-deadline, case-outcome
//	track-form           track-case, track-token
//	track-none           no case for this number and code
//	dev-oidc-form        the test provider's sign-in form (credex dev):
//	                     dev-oidc-name, dev-oidc-id
//
// The department desk (/desk/) and the operations overview (/ops/), which
// departments and operators sign in to with their API keys:
//
//	desk-signin            the desk's sign-in form (key)
//	ops-signin             the overview's sign-in form (key)
//	signin-key             the key field of either
//	signin-error           why a sign-in failed
//	desk-signout           the desk's sign-out form
//	ops-signout            the overview's sign-out form
//	desk-cases             the table of open cases, overdue first
//	case-ID                the row of a case in it (ID: obj_..., rpr_...)
//	desk-errors            the rejections of the last 30 days by error code
//	desk-submissions       the recent submissions
//	submission-ID          one of them (ID: sub_...)
//	case-status            a case's status, on its page
//	case-outcome           an objection's outcome, once decided
//	case-files             a case's files, to download
//	case-record            the record a case is about
//	record-version         its version
//	record-data            its current data
//	record-history         its versions, newest first
//	decision-form          an objection's decision form
//	outcome-upheld         its outcomes (radio buttons)
//	outcome-corrected
//	outcome-revoked
//	decision-reason        the reason
//	decision-data          the corrected data (JSON), prefilled with the current
//	data-errors            the problems of the corrected data, as sentences
//	repair-decision-form   a repair application's review form
//	outcome-approved       its outcomes (radio buttons)
//	outcome-refused
//	decision-reasons       the reasons of a refusal, one a line
//	decision-submit        the button of either form
//	decision-problem       why a decision was refused as a whole
//	decision-recorded      the confirmation once a decision is recorded
//	ops-overdue            overdue cases (ops-overdue-objections, ops-overdue-repairs)
//	ops-throughput         records submitted (ops-hour-records, ops-hour-rejected)
//	ops-rejects            rejections of this process by error code
//	ops-sink               the database sink's lag and the outbox (ops-outbox)
//	ops-delivery           the delivery backlog per subscription
//
// The catalogue pages (/catalog/):
//
//	catalog-types          the table of every record type
//	type-CODE              the row of a type in it
//	type-rules             a type's rules (type-disclosure, type-display)
//	type-fields            its fields (field-PATH, a row each)
//	type-example           its example payload
//	type-versions          its published versions
//	diff-form              the form choosing two versions (diff-from, diff-to)
//	diff-verdict           whether the later version keeps its compatibility
//	diff-changes           the changes of the schema
//	diff-policy            the changes of the rules
package web
