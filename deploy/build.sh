#!/usr/bin/env bash
# Installs what hpo needs and builds it into build/ (Release).
set -euo pipefail
cd "$(dirname "$0")/.."
./deploy/install-deps.sh
jobs=$(nproc 2>/dev/null || echo 2)
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
cmake --build build -j"$jobs"
