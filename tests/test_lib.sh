# shellcheck shell=bash
# Shell helpers of the suite's script tests; source it.

# npm_ci_locked SOURCE_DIR WORK_DIR: installs the packages of SOURCE_DIR's
# package.json and package-lock.json into WORK_DIR (scripts off), again only
# when the lock file changed.
npm_ci_locked() {
  local from="$1" to="$2"
  mkdir -p "$to"
  if ! cmp -s "$from/package-lock.json" "$to/package-lock.json" || [ ! -d "$to/node_modules" ]; then
    cp "$from/package.json" "$from/package-lock.json" "$to/"
    (cd "$to" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
  fi
}

# wait_for SECONDS WHAT COMMAND...: polls COMMAND until it succeeds; after
# SECONDS calls the caller's `fail` with "waited SECONDS s for WHAT".
wait_for() {
  local seconds="$1" what="$2"
  shift 2
  local until=$((SECONDS + seconds))
  until "$@"; do
    [ "$SECONDS" -lt "$until" ] || fail "waited ${seconds} s for $what"
    sleep 0.3
  done
}
