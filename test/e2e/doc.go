// Package e2e holds black-box tests that run the built rheo binary as a
// child process and talk to it only the way users do: the AWS CLI, boto3
// and aws-sdk-go-v2, over HTTP on a loopback port.
//
// # What the tests guarantee
//
//   - Unmodified AWS clients work against "rheo serve" with only an
//     endpoint override (AWS CLI and boto3 scenarios).
//   - Every acknowledged record survives SIGTERM and SIGKILL of the server,
//     exactly once, byte-exact, with the sequence number and shard it was
//     acknowledged with; per-shard sequence numbers are strictly increasing.
//   - A second server on the same data directory refuses to start.
//   - SIGTERM under load exits 0 promptly, and every successful call is
//     durable.
//
// # Running
//
// TestMain builds ./cmd/rheo once into a temporary directory, or uses the
// binary named by $RHEO_E2E_BIN. Tests that
// need the aws CLI or python3 with boto3 skip when those are missing; all
// others always run. The package has no non-test code besides this file.
package e2e
