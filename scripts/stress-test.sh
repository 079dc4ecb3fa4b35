#!/usr/bin/env bash
# Runs `npm test` while a CPU hog keeps every core busy, to prove the suite does not
# depend on timing (docs/TESTING.md). Installs stress-ng from Debian when missing
# (apt-get update first; sudo when not root), starts `stress-ng --cpu N` in the
# background (N = ENVSYNC_STRESS_CPUS, default 4), runs `npm test` with any extra
# arguments, stops the hog whatever happens, and exits with npm test's status.
#
#   bash scripts/stress-test.sh            # one run
#   for i in 1 2 3; do bash scripts/stress-test.sh || break; done
set -euo pipefail
cd "$(dirname "$0")/.."

cpus="${ENVSYNC_STRESS_CPUS:-4}"

if ! command -v stress-ng >/dev/null 2>&1; then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  echo "stress-test: installing stress-ng (apt-get)…" >&2
  $sudo apt-get update -q >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q stress-ng >&2
fi

stress-ng --cpu "$cpus" --quiet &
hog=$!
stop_hog() {
  kill "$hog" 2>/dev/null || true
  wait "$hog" 2>/dev/null || true
}
trap stop_hog EXIT INT TERM
echo "stress-test: stress-ng --cpu $cpus running (pid $hog); npm test $* starting at $(date -u +%H:%M:%SZ)" >&2

start=$(date +%s)
status=0
npm test -- "$@" || status=$?
end=$(date +%s)
echo "stress-test: npm test exited $status after $((end - start)) s under stress-ng --cpu $cpus" >&2
exit "$status"
