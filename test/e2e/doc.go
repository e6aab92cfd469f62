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
//
// # Torture run
//
// TestTorture (torture_test.go) is skipped unless given a round count. It
// kills the server with SIGKILL at random moments (also during a reshard,
// during the next start and during a graceful shutdown) while producers,
// reshards, two delivery streams, a scheduled SQL job and a GetRecords
// reader run at once, and checks every durability invariant after each
// restart. Run it on a real disk (data directories go under $TMPDIR):
//
//	TMPDIR=/var/tmp go test ./test/e2e -run TestTorture -torture.rounds 30 -timeout 60m -v
//
// Each round re-reads everything written so far, so rounds get slower as
// the data grows (about 30 s each after 20 rounds on 2 cores).
package e2e
