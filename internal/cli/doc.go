// Package cli implements rheo's client subcommands (put, tail, streams)
// and the root command they hang from. The clients talk the Kinesis Data
// Streams API through aws-sdk-go-v2, so they work unchanged against a rheo
// server or against real Kinesis (--endpoint aws).
//
// Every flag can also be set from the environment as RHEO_<FLAG_NAME> in
// upper snake case (--data-dir: RHEO_DATA_DIR); a flag on the command line
// wins over the environment.
package cli
