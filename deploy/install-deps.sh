#!/usr/bin/env bash
# Installs the Debian packages hpo builds, tests and runs with.
set -euo pipefail
# Node.js and npm fetch the dashboard's plot libraries at build time; Debian's
# npm only where none came with Node.js (NodeSource's nodejs conflicts with it).
web=(nodejs)
if ! command -v npm >/dev/null; then web+=(npm); fi
exec "$(dirname "$0")/install-packages.sh" "${web[@]}" \
  cmake g++ make pkg-config \
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler \
  libabsl-dev libboost-dev libeigen3-dev liblbfgspp-dev libsqlite3-dev zlib1g-dev libopenblas0-pthread \
  libyaml-cpp-dev libcli11-dev nlohmann-json3-dev rapidjson-dev libcpp-httplib-dev \
  libgtest-dev libgmock-dev \
  python3 python3-grpcio python3-protobuf \
  dataset-fashion-mnist sqlite3 openssl
