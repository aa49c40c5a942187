#!/usr/bin/env bash
# `systemd-analyze verify` of deploy/systemd's units, as installed but with
# the binaries of this build tree and the env files of the sources: any
# message (an unknown key, a bad value, a missing binary) fails the test.
#   tests/deploy/systemd_units_test.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
src="$1"
build="$2"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
units="$src/deploy/systemd"
# As installed: /usr/bin -> the build tree, /etc/hpo -> the sources.
sed -e "s|/usr/bin/hpo-coordinator|$build/server/hpo-coordinator|" -e "s|/etc/hpo/|$units/|" \
  "$units/hpo-coordinator.service" > "$work/hpo-coordinator.service"
sed -e "s|/usr/bin/hpo-worker|$build/worker/hpo-worker|" -e "s|/etc/hpo/|$units/|" \
  "$units/hpo-worker@.service" > "$work/hpo-worker@1.service"
cd "$work"
status=0
out="$(systemd-analyze verify ./hpo-coordinator.service ./hpo-worker@1.service 2>&1)" || status=$?
if [ "$status" -ne 0 ] || [ -n "$out" ]; then
  echo "systemd-analyze verify (exit $status):"
  echo "$out"
  exit 1
fi
echo "systemd-analyze verify: hpo-coordinator.service and hpo-worker@1.service are clean"
