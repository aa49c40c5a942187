#!/usr/bin/env bash
# Makes a runnable copy of Optuna 4.9.0's sources for the GP benchmark:
#   tests/bench/tpe/prepare-optuna49.sh SRC DEST
# SRC is an unmodified Optuna 4.9.0 source tree (the directory holding
# optuna/), for instance from a clone of https://github.com/optuna/optuna:
#   git clone https://github.com/optuna/optuna && git -C optuna checkout v4.9.0
# or from an existing clone or mirror, without a work tree:
#   mkdir -p /tmp/optuna49 && git -C CLONE archive v4.9.0 | tar -x -C /tmp/optuna49
# Copies SRC/optuna to DEST/optuna and patches the copy (SRC is left alone):
# GPSampler wraps its work in `with torch.device("cpu"):`, a context manager
# that Debian's torch 1.13 lacks (it came with torch 2.0), so that line
# becomes a null context. This only drops a guard for users who made CUDA the
# default device; this benchmark never does. Then checks that
# PYTHONPATH=DEST /usr/bin/python3 imports Optuna 4.9.0 and finds torch and
# scipy, which GPSampler imports only once its startup trials are done.
set -euo pipefail
src="${1:?usage: prepare-optuna49.sh SRC DEST}"
dest="${2:?usage: prepare-optuna49.sh SRC DEST}"
sampler="optuna/samplers/_gp/sampler.py"

if ! grep -qx '__version__ = "4.9.0"' "$src/optuna/version.py" 2>/dev/null; then
  echo "prepare-optuna49: $src is not an Optuna 4.9.0 source tree" \
    "(no $src/optuna/version.py saying 4.9.0)" >&2
  exit 1
fi
count="$(grep -c 'with torch\.device("cpu"):' "$src/$sampler" || true)"
if [ "$count" != 1 ]; then
  echo "prepare-optuna49: expected one 'with torch.device(\"cpu\"):' in $src/$sampler," \
    "found $count" >&2
  exit 1
fi

rm -rf "$dest/optuna"
mkdir -p "$dest"
dest="$(cd "$dest" && pwd)"  # absolute, for PYTHONPATH
cp -r "$src/optuna" "$dest/optuna"
sed -i -e 's/with torch\.device("cpu"):/with contextlib.nullcontext():  # torch 1.13: no device context/' \
  -e '0,/^import json$/s//import contextlib\nimport json/' "$dest/$sampler"

version="$(cd /tmp && PYTHONPATH="$dest" /usr/bin/python3 -c 'import optuna; print(optuna.__version__)')" || {
  echo "prepare-optuna49: PYTHONPATH=$dest /usr/bin/python3 cannot import optuna (see above;" \
    "Debian packages: python3-numpy python3-sqlalchemy python3-alembic python3-colorlog" \
    "python3-tqdm python3-packaging)" >&2
  exit 1
}
if [ "$version" != 4.9.0 ]; then
  echo "prepare-optuna49: PYTHONPATH=$dest imports Optuna $version, not 4.9.0" >&2
  exit 1
fi
(cd /tmp && /usr/bin/python3 -c 'import torch, scipy') || {
  echo "prepare-optuna49: GPSampler needs torch and scipy" \
    "(deploy/install-packages.sh python3-torch python3-scipy)" >&2
  exit 1
}
echo "prepare-optuna49: Optuna 4.9.0, patched for torch 1.13, in $dest"
