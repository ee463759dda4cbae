#!/usr/bin/env bash
# deps.sh - check coinbus build/test dependencies; install the Debian packages when root.
# Usage: scripts/deps.sh [--check]   (--check: report only, never install)
set -euo pipefail

# pkg-config module -> Debian package
modules=(
  "libczmq:libczmq-dev"
  "libzmq:libzmq3-dev"
  "hiredis:libhiredis-dev"
  "msgpack:libmsgpack-dev"
  "libcurl:libcurl4-openssl-dev"
  "openssl:libssl-dev"
  "cmocka:libcmocka-dev"
  "libh2o-evloop:libh2o-evloop-dev"
  "libwebsockets:libwebsockets-dev"
  "zlib:zlib1g-dev"
)
# binary -> Debian package
binaries=(
  "cc:gcc"
  "make:make"
  "pkg-config:pkg-config"
  "redis-server:redis-server"
  "redis-cli:redis-tools"
  "clang:clang"
  "timeout:coreutils"
  "/usr/bin/python3:python3"
  "node:nodejs"
  "npm:npm"
  "/usr/bin/chromium:chromium"
)
# python3 (Debian's) modules -> Debian package; used by the wire-contract test
pymods=(
  "zmq:python3-zmq"
  "msgpack:python3-msgpack"
)
# files -> Debian package (libFuzzer runtime for `make fuzz`)
files=(
  "/usr/lib/llvm-14/lib/clang/14.0.6/lib/linux/libclang_rt.fuzzer-x86_64.a:libclang-rt-14-dev"
  "/usr/include/wslay/wslay.h:libwslay-dev"
  "/usr/include/jsmn.h:libjsmn-dev"
)

missing=()
have_cmd() { command -v "$1" >/dev/null 2>&1; }
for entry in "${binaries[@]}"; do
  bin=${entry%%:*}; pkg=${entry##*:}
  have_cmd "$bin" || missing+=("$pkg")
done
if have_cmd pkg-config; then
  for entry in "${modules[@]}"; do
    mod=${entry%%:*}; pkg=${entry##*:}
    pkg-config --exists "$mod" || missing+=("$pkg")
  done
else
  for entry in "${modules[@]}"; do missing+=("${entry##*:}"); done
fi
for entry in "${pymods[@]}"; do
  mod=${entry%%:*}; pkg=${entry##*:}
  if [ -x /usr/bin/python3 ]; then
    /usr/bin/python3 -c "import $mod" >/dev/null 2>&1 || missing+=("$pkg")
  else
    missing+=("$pkg")
  fi
done
if [ "$(uname -m)" = "x86_64" ]; then
  for entry in "${files[@]}"; do
    f=${entry%%:*}; pkg=${entry##*:}
    [ -e "$f" ] || missing+=("$pkg")
  done
fi

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
# de-duplicate, keep order
mapfile -t missing < <(printf '%s\n' "${missing[@]}" | awk '!seen[$0]++')
cmd="apt-get install -y --no-install-recommends ${missing[*]}"
if [ "${1:-}" = "--check" ]; then
  echo "deps: missing: ${missing[*]}" >&2
  echo "deps: install with: sudo apt-get update && sudo $cmd" >&2
  exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "deps: missing: ${missing[*]}" >&2
  echo "deps: not root; run: sudo apt-get update && sudo $cmd" >&2
  exit 1
fi
echo "deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends ${missing[*]} >/dev/null
echo "deps: installed" >&2
