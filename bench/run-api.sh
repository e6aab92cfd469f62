#!/usr/bin/env bash
# run-api.sh: build rheo and the load generator, start "rheo serve" on a
# temporary data directory and a free loopback port, run the Kinesis API
# load generator against it, print machine facts and results as markdown,
# and stop the server by its own PID.
#
#   bench/run-api.sh                        # --scenario all, 10 s per put scenario
#   bench/run-api.sh --bytes 10GiB --scenario putrecords   # RSS-flatness run
#
# Extra arguments go to loadgen (later flags win). Environment:
#   RHEO_BENCH_DIR   parent of the temp data dir (default: $TMPDIR or /tmp);
#                    put it on the disk you want to measure
#   RHEO_SERVE_ARGS  extra "rheo serve" flags (e.g. "--sync interval")
#   RHEO_BENCH_LIMIT hard time limit in seconds for the load generator (default 900)
#   RHEO_BIN         use this rheo binary instead of building ./cmd/rheo
# Output is also saved to bench/out/api-<time>.md (git-ignored).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
limit=${RHEO_BENCH_LIMIT:-900}
work=$(mktemp -d "${RHEO_BENCH_DIR:-${TMPDIR:-/tmp}}/rheo-bench.XXXXXX")
data="$work/data"
mkdir -p "$data" bench/out
out="bench/out/api-$(date -u +%Y%m%dT%H%M%SZ).md"
server_pid=""

cleanup() {
	if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
		kill -TERM "$server_pid" 2>/dev/null || true
		for _ in $(seq 1 150); do
			kill -0 "$server_pid" 2>/dev/null || break
			sleep 0.1
		done
		if kill -0 "$server_pid" 2>/dev/null; then
			echo "run-api: server $server_pid ignored SIGTERM for 15 s; sending SIGKILL" >&2
			kill -KILL "$server_pid" 2>/dev/null || true
		fi
		wait "$server_pid" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT

# pressure prints the kernel's CPU and I/O stall figures (PSI), which show
# whether something else competed for the machine during the last minute.
pressure() {
	for r in cpu io; do
		[[ -r /proc/pressure/$r ]] && printf '%s pressure `%s` ' "$r" "$(head -1 /proc/pressure/$r)"
	done
}

# busiest prints the three processes using the most CPU over half a second.
busiest() {
	top -bn2 -d 0.5 -o %CPU 2>/dev/null |
		awk '/^top -/ {f++} f == 2 && $1 ~ /^[0-9]+$/ {printf "%s %s%%; ", $12, $9; if (++n == 3) exit}'
}
trap 'exit 130' INT TERM

echo "run-api: building" >&2
if [[ -n "${RHEO_BIN:-}" ]]; then
	cp "$RHEO_BIN" "$work/rheo"
else
	go build -o "$work/rheo" ./cmd/rheo
fi
go build -o "$work/loadgen" ./bench/loadgen

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
addr="127.0.0.1:$port"
# shellcheck disable=SC2086 # RHEO_SERVE_ARGS is a word list on purpose
"$work/rheo" serve --data-dir "$data" --listen "$addr" ${RHEO_SERVE_ARGS:-} >"$work/server.log" 2>&1 &
server_pid=$!

for _ in $(seq 1 200); do
	if curl -fsS "http://$addr/health" >/dev/null 2>&1; then break; fi
	if ! kill -0 "$server_pid" 2>/dev/null; then
		echo "run-api: rheo exited at start:" >&2
		cat "$work/server.log" >&2
		exit 1
	fi
	sleep 0.05
done
curl -fsS "http://$addr/health" >/dev/null

{
	echo "# rheo Kinesis API benchmark"
	echo
	echo "- command: \`bench/run-api.sh $*\`"
	echo "- commit: \`$(git rev-parse --short HEAD 2>/dev/null || echo unknown)\`$(git diff --quiet 2>/dev/null || echo ' (dirty tree)')"
	echo "- binary: ${RHEO_BIN:-built from this tree}"
	echo "- server: \`rheo serve --data-dir $data --listen $addr ${RHEO_SERVE_ARGS:-}\` (pid $server_pid)"
	echo "- go: \`$(go version)\`"
	echo "- nproc: $(nproc)"
	echo "- CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
	echo "- memory: $(grep MemTotal /proc/meminfo | awk '{printf "%.1f GiB", $2/1048576}')"
	echo "- kernel: \`$(uname -srm)\`"
	echo "- load before the run (other processes share this box): loadavg \`$(cut -d' ' -f1-3 /proc/loadavg)\`; busiest now: $(busiest); $(pressure)"
	echo "- data dir filesystem:"
	echo
	echo '```'
	df -h "$data"
	echo '```'
	echo
	timeout --signal=INT --kill-after=10 "$limit" \
		"$work/loadgen" --endpoint "http://$addr" --server-pid "$server_pid" --scenario all "$@"
	echo "- load after the run: loadavg \`$(cut -d' ' -f1-3 /proc/loadavg)\`; $(pressure)"
	echo
} | tee "$out"

echo "run-api: saved $out" >&2
