#!/usr/bin/env bash
# The quickstart: install, build, then tune AdamW for an MLP on Fashion-MNIST
# with a local coordinator and two workers, and print the best trial.
set -euo pipefail
cd "$(dirname "$0")/.."
./deploy/build.sh
exec build/client/hpo run --spec examples/fashion-mnist.yaml --workers 2 --db hpo-demo.db \
  --log-dir hpo-logs
