#!/usr/bin/env bash
# Every program answers --help with exit 0 (and the holdfast-* ones --version);
# holdfast-audit refuses a directory with nothing to audit; holdfast-node
# refuses a malformed or unknown override before it starts anything; the
# systemd unit in packaging/ verifies. Runs from the repository root.
# usage: cli_help_test.sh PROGRAM... (absolute paths; run by ctest)
set -uo pipefail
failures=0
fail() { echo "cli-help: $1" >&2; failures=$((failures + 1)); }

for program in "$@"; do
  out=$(timeout 10 "$program" --help 2>&1) || fail "$program --help exited $?"
  [ -n "$out" ] || fail "$program --help printed nothing"
  case "$(basename "$program")" in
    holdfast-*)
      version=$(timeout 10 "$program" --version) || fail "$program --version exited $?"
      [[ "$version" =~ ^holdfast-[a-z]+\ [0-9]+\.[0-9]+\.[0-9]+$ ]] ||
        fail "$program --version printed \"$version\"" ;;
  esac
done

for program in "$@"; do
  case "$(basename "$program")" in
    holdfast-audit)
      empty=$(mktemp -d)
      timeout 10 "$program" "$empty" >/dev/null 2>&1
      rc=$?
      [ "$rc" -ne 0 ] || fail "holdfast-audit passed an empty directory"
      timeout 10 "$program" "$empty/mistyped" >/dev/null 2>&1 && fail "holdfast-audit passed a missing directory"
      rmdir "$empty" ;;
    holdfast-node)
      # Both are refused while reading the configuration: nothing is bound or written.
      timeout 10 "$program" --set node.no_such_key=1 >/dev/null 2>&1
      [ $? -eq 2 ] || fail "holdfast-node accepted --set node.no_such_key=1"
      timeout 10 "$program" --set not-a-setting >/dev/null 2>&1
      [ $? -eq 2 ] || fail "holdfast-node accepted --set not-a-setting"
      HOLDFAST_NODE__HTTP_PORT=eighty timeout 10 "$program" >/dev/null 2>&1
      [ $? -eq 2 ] || fail "holdfast-node accepted HOLDFAST_NODE__HTTP_PORT=eighty" ;;
  esac
done

# packaging/holdfast.service, pointed at the built node, passes systemd's own check.
for program in "$@"; do
  [ "$(basename "$program")" = holdfast-node ] || continue
  if command -v systemd-analyze >/dev/null; then
    unit_dir=$(mktemp -d)
    sed "s#/usr/local/bin/holdfast-node#$program#" packaging/holdfast.service >"$unit_dir/holdfast.service"
    report=$(systemd-analyze verify "$unit_dir/holdfast.service" 2>&1) ||
      fail "systemd-analyze verify packaging/holdfast.service: $report"
    [ -z "$report" ] || fail "systemd-analyze verify packaging/holdfast.service: $report"
    rm -rf "$unit_dir"
  fi
done

[ "$failures" -eq 0 ] || exit 1
echo "cli-help: $# programs answer --help; audit and config refusals hold"
