#!/usr/bin/env bash
# Installs what hpo needs, builds it with its tests, and runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
# pandas for the Python client's trials_dataframe test; systemd-analyze for
# the units' test; Node.js for the Kubernetes manifests' test; a Slurm for
# the Slurm scripts' test; headless Chromium and curl for the dashboard's
# browser test. Debian's npm only where no npm came with Node.js (NodeSource's
# nodejs has its own and conflicts with Debian's).
npm=npm
if command -v npm >/dev/null; then npm=""; fi
./deploy/install-packages.sh python3-pandas systemd nodejs $npm slurmctld slurmd slurm-client \
  munge chromium-headless-shell curl
./deploy/build.sh -DBUILD_TESTING=ON
cd build
ctest --output-on-failure --timeout 600 -j"$(nproc 2>/dev/null || echo 2)"
