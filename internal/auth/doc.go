// Package auth authenticates and authorizes API requests the way AWS does,
// so unchanged AWS clients work against rheo with real credentials: a
// credential store (access key id → secret, user name and allowed actions on
// resource-name patterns), SigV4 header verification, and the TLS and
// exposure helpers that go with running a signed endpoint.
//
// # Verification
//
// Store.Verify builds the SigV4 canonical request from exactly the headers
// the client lists in SignedHeaders, signs it with the stored secret, the
// client's X-Amz-Date and the SHA-256 of the body it received, and compares
// the two signatures in constant time. It does not use the Go SDK's signer,
// which never signs User-Agent and a few other headers that the AWS SDK for
// Java 1.x does sign; the tests check it against that signer and botocore. A request is accepted
// when its signature matches and its X-Amz-Date is within 5 minutes of the
// server clock, as on AWS. Errors are *Error values carrying AWS's error
// type and wording; the protocol adapters turn them into responses.
//
// # Authorization
//
// A Principal carries the user's allow rules. Allowed(action, resource)
// matches actions case-insensitively ("kinesis:Get*") and resource names
// (stream names) as globs ("orders-*"); the empty resource name stands for
// account-level actions (ListStreams), which only "*" covers. There are no
// deny rules: anything not allowed is denied.
//
// Known gaps vs AWS: only header-based SigV4 (no presigned query strings, no
// SigV4a); a request must carry X-Amz-Date (a Date header alone is refused
// as incomplete); X-Amz-Security-Token is accepted and ignored (there are no
// temporary credentials); the payload is always hashed, so UNSIGNED-PAYLOAD
// fails as it does on Kinesis.
package auth
