// Package webhook delivers events to agencies' HTTP endpoints, signed per
// Standard Webhooks (https://www.standardwebhooks.com, specification 1.0.0).
//
// Every delivery is one POST of one event as JSON, carrying the headers
// webhook-id (the event id, the same on every redelivery), webhook-timestamp
// (the attempt, in Unix seconds) and webhook-signature (one "v1,<HMAC>" per
// signing secret of the endpoint, several while a secret is being rotated).
// An agency checks them with any Standard Webhooks library, or with [Verify].
//
// It is a transport of package delivery, whose workers decide when to try
// and try again:
//
//   - [Transport] posts one event, signed with every secret of its
//     subscription;
//   - [Sign], [Headers] and [Verify] implement the signature scheme, with
//     secrets made by [NewSecret] and read by [ParseSecret];
//   - [Guard] keeps deliveries away from the hub's own network (server-side
//     request forgery): [Guard.CheckURLContext] when an endpoint is registered and
//     [Guard.Client], whose dialer checks every address it connects to;
//   - [Classify] reads an endpoint's answer: delivered, retry (perhaps after
//     a Retry-After), or gone for good.
package webhook
