#!/usr/bin/env bash
# /metrics of a real node, scraped after some traffic, passes `promtool check
# metrics` (Prometheus's own linter: names, types, units, suffixes).
# usage: metrics_lint.sh HOLDFAST_NODE CONF    (run by ctest; promtool from Debian's
# prometheus package, which scripts/test installs; exit 77 = skipped without it)
set -uo pipefail
node_bin=$1
conf=$2
if ! command -v promtool >/dev/null; then
  echo "metrics-lint: promtool not installed (Debian package prometheus)" >&2
  [ "${HOLDFAST_REQUIRE_BROWSER:-0}" = 1 ] && exit 1 # scripts/test installs it: must run
  exit 77
fi
work=$(mktemp -d)
pid=
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

# Ports 0: the kernel picks free ones; the node prints what it bound.
"$node_bin" "$conf" --set node.data_dir="$work/data" --set node.http_port=0 \
  --set node.admin_port=0 --set node.caf_port=0 --set demo.seats=2000 --set demo.sections=4 \
  >"$work/log" 2>&1 &
pid=$!
admin_port= http_port=
for _ in $(seq 1 100); do
  admin_port=$(sed -n 's#.*admin on http://127.0.0.1:\([0-9]*\)/.*#\1#p' "$work/log" | head -1)
  http_port=$(sed -n 's#.*ready on http://127.0.0.1:\([0-9]*\)/.*#\1#p' "$work/log" | head -1)
  [ -n "$admin_port" ] && [ -n "$http_port" ] && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
if [ -z "$admin_port" ] || [ -z "$http_port" ]; then
  echo "metrics-lint: the node did not start:" >&2
  cat "$work/log" >&2
  exit 1
fi

get() { # get PORT PATH -> the response body
  exec 3<>"/dev/tcp/127.0.0.1/$1"
  printf 'GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' "$2" >&3
  sed '1,/^\r$/d' <&3
  exec 3<&-
}
get "$http_port" /v1/events >/dev/null            # some traffic: request counters and
get "$http_port" /v1/events/1/seatmap >/dev/null  # latency histograms get series
get "$http_port" /v1/no-such-route >/dev/null
get "$admin_port" /metrics >/dev/null             # one scrape, so journal figures arrive
get "$admin_port" /metrics >"$work/metrics"

for name in holdfast_http_requests_total holdfast_journal_commit_seconds_bucket \
  holdfast_build_info process_cpu_seconds_total process_open_fds; do
  grep -q "^$name" "$work/metrics" || { echo "metrics-lint: no $name in /metrics" >&2; exit 1; }
done
if ! report=$(promtool check metrics <"$work/metrics" 2>&1); then
  echo "metrics-lint: promtool check metrics:" >&2
  echo "$report" >&2
  exit 1
fi
echo "metrics-lint: $(grep -c '^[a-z]' "$work/metrics") series pass promtool check metrics"
