#!/usr/bin/env bash
# deps.sh — installs the Debian packages nabla needs, when any is missing.
# As root it runs apt-get; otherwise it names the missing packages and stops.
set -euo pipefail
pkgs=(cmake make gcc libopenblas-dev zlib1g-dev libcmocka-dev libpng-dev dataset-fashion-mnist
      valgrind clang libclang-rt-14-dev ${NB_EXTRA_PACKAGES:-})
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "nabla needs these Debian packages: ${missing[*]}" >&2
  echo "install them with: sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
echo "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
