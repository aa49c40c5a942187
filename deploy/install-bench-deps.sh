#!/usr/bin/env bash
# Installs what the benchmarks under tests/bench compare against: Debian's
# PyTorch (with OpenBLAS, as in shared/reference/benchmarks.md) and Optuna.
# Not needed to build, test or run hpo.
set -euo pipefail
"$(dirname "$0")/install-deps.sh"
exec "$(dirname "$0")/install-packages.sh" python3-torch python3-optuna
