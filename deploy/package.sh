#!/usr/bin/env bash
# Builds the Debian package for other machines: build-package/hpo_<version>_<arch>.deb
#   deploy/package.sh
# Installs the build dependencies and dpkg-dev, builds without -march=native
# (HPO_NATIVE=OFF: the binaries run on any x86-64 CPU, not only this one's)
# and without tests, for /usr, then runs CPack. Install with
#   sudo apt install ./build-package/hpo_*.deb
set -euo pipefail
cd "$(dirname "$0")/.."
./deploy/install-deps.sh
./deploy/install-packages.sh dpkg-dev file
echo "package.sh: building for any CPU of this architecture (-DHPO_NATIVE=OFF)"
cmake -S . -B build-package -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF -DHPO_NATIVE=OFF \
  -DCMAKE_INSTALL_PREFIX=/usr
cmake --build build-package -j"$(nproc 2>/dev/null || echo 2)"
(cd build-package && cpack -G DEB)
ls -l build-package/hpo_*.deb
