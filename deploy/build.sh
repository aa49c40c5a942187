#!/usr/bin/env bash
# Installs what hpo needs and builds it into build/ (Release). Tests and
# benchmarks are left out unless the arguments (passed to cmake) turn
# BUILD_TESTING on, as deploy/test.sh does.
set -euo pipefail
cd "$(dirname "$0")/.."
./deploy/install-deps.sh
jobs=$(nproc 2>/dev/null || echo 2)
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF "$@" >/dev/null
cmake --build build -j"$jobs"
