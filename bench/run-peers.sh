#!/usr/bin/env bash
# run-peers.sh: rheo side by side with kinesalite and kinesis-mock.
#
#   bench/run-peers.sh                 # full run (10-30 min), writes bench/out/peers.{md,png,json}
#   bench/run-peers.sh --publish       # the same, and splices the section into
#                                      # docs/benchmarks.md and the chart into docs/img/peers.png
#   bench/run-peers.sh --quick         # ~1 min per server: checks the harness, figures not for publishing
#
# It builds rheo, bench/loadgen and bench/peers, installs kinesalite 3.3.3 and
# kinesis-local 0.6.2 (kinesis-mock's Node.js build) from the npm registry into
# bench/out/peers when missing, starts each server on 127.0.0.1 only (rheo durable
# and --sync never; each peer in memory and with its on-disk persistence), runs
# the same bench/loadgen workloads against each, measures the disk's raw
# write+fdatasync bandwidth, and stops every server by its own PID (also on
# failure or Ctrl-C: the trap below). Not part of CI (too slow).
#
# Other arguments go to bench/peers (e.g. --targets rheo,kinesalite, --client raw).
# Environment:
#   RHEO_BENCH_DIR   parent of the temporary data dirs (default: $TMPDIR or /tmp);
#                    put it on the disk you want to measure
#   RHEO_BIN         use this rheo binary instead of building ./cmd/rheo
#   RHEO_BENCH_LIMIT hard time limit in seconds for the whole run (default 2700)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
limit=${RHEO_BENCH_LIMIT:-2700}
bin=$(mktemp -d "${TMPDIR:-/tmp}/rheo-peers-bin.XXXXXX")
work=$(mktemp -d "${RHEO_BENCH_DIR:-${TMPDIR:-/tmp}}/rheo-peers-work.XXXXXX")
pidfile="$bin/servers.pid"
harness_pid=""

args=()
for a in "$@"; do
	if [[ "$a" == "--publish" ]]; then
		args+=(--splice docs/benchmarks.md --splice-img docs/img/peers.png)
	else
		args+=("$a")
	fi
done

# ours reports whether PID is still one of the servers this script started.
ours() {
	tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | grep -qE 'rheo serve|kinesalite|kinesis-local'
}

# cleanup stops what the harness left running: the harness by its PID (it
# then stops its server and writes what it measured), then any server still
# listed in the pid file, by its PID, after checking the PID still belongs to
# one of our servers (the harness removes a server from the file once it has
# stopped it, so a reused PID is not killed).
cleanup() {
	if [[ -n "$harness_pid" ]] && kill -0 "$harness_pid" 2>/dev/null; then
		kill -TERM "$harness_pid" 2>/dev/null || true
		for _ in $(seq 1 400); do
			kill -0 "$harness_pid" 2>/dev/null || break
			sleep 0.1
		done
		if kill -0 "$harness_pid" 2>/dev/null; then kill -KILL "$harness_pid" 2>/dev/null || true; fi
	fi
	if [[ -f "$pidfile" ]]; then
		while read -r pid; do
			[[ "$pid" =~ ^[0-9]+$ ]] || continue
			ours "$pid" || continue
			echo "run-peers: stopping leftover server pid $pid" >&2
			kill -TERM "$pid" 2>/dev/null || true
			for _ in $(seq 1 100); do
				ours "$pid" || break
				sleep 0.1
			done
			if ours "$pid"; then kill -KILL "$pid" 2>/dev/null || true; fi
		done <"$pidfile"
	fi
	rm -rf "$bin" "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "run-peers: building" >&2
if [[ -n "${RHEO_BIN:-}" ]]; then
	cp "$RHEO_BIN" "$bin/rheo"
	rheo_from="RHEO_BIN=$RHEO_BIN"
else
	go build -o "$bin/rheo" ./cmd/rheo
	rheo_from="built from this tree"
fi
go build -o "$bin/loadgen" ./bench/loadgen
go build -o "$bin/peers" ./bench/peers
mkdir -p bench/out

"$bin/peers" --rheo "$bin/rheo" --loadgen "$bin/loadgen" \
	--work "$work" --pid-file "$pidfile" \
	--time-limit "${limit}s" --command "bench/run-peers.sh $*" --rheo-from "$rheo_from" "${args[@]}" &
harness_pid=$!
set +e
wait "$harness_pid"
rc=$?
set -e
harness_pid=""
if [[ $rc -eq 0 ]]; then
	echo "run-peers: done (the section and chart paths are printed above)" >&2
fi
exit "$rc"
