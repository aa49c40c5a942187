#!/usr/bin/env bash
# Validates deploy/k8s's manifests against Kubernetes' OpenAPI schemas and
# hpo's rules (validate.mjs), offline: no cluster. The npm packages of
# package-lock.json are installed into the build tree, never the sources.
#   tests/deploy/k8s/k8s_manifests_test.sh SOURCE_DIR BUILD_DIR
# Needs Node.js >= 18 with npm (deploy/test.sh installs Debian's nodejs) and
# the npm registry for the first `npm ci`.
set -euo pipefail
src="$1"
build="$2"
here="$src/tests/deploy/k8s"
# shellcheck source=SCRIPTDIR/../../test_lib.sh
source "$src/tests/test_lib.sh"
for tool in node npm; do
  if ! command -v "$tool" >/dev/null; then
    echo "k8s_manifests_test: $tool not found (apt-get install nodejs npm)" >&2
    exit 1
  fi
done
work="$build/k8s-validate"
npm_ci_locked "$here" "$work"
cp "$here/validate.mjs" "$work/"
node "$work/validate.mjs" "$src/deploy/k8s"
