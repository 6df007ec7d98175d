// Package authorisation issues and checks the tokens by which a person
// authorises an agency to inquire into their records of authorised-inquiry
// types (catalog.AuthorisedInquiry) for one stated purpose.
//
// A token is compact: the base64url (unpadded) JSON payload, ".", and the
// base64url HMAC-SHA256 of the encoded payload under the hub's
// authorisation key. It names the person only by the keyed hash of their ID
// number (record.SubjectKey), never the number itself. Parse checks the
// signature before it decodes anything, then the payload's shape; Check
// then says whether a parsed grant covers an inquiry.
package authorisation
