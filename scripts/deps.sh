#!/usr/bin/env bash
# deps.sh - check coinbus build/test dependencies; install the Debian packages when root.
# Usage: scripts/deps.sh [--check] [--bench]
#   --check: report only, never install
#   --bench: also what `make bench` needs (wrk, nginx), not needed by make test
set -euo pipefail

check=0
bench=0
for arg in "$@"; do
  case $arg in
    --check) check=1 ;;
    --bench) bench=1 ;;
    *) echo "deps: unknown option $arg" >&2; exit 2 ;;
  esac
done

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
  "docker-compose:docker-compose"
  "/usr/sbin/haproxy:haproxy"
)
# bench only: wrk drives api-edge's HTTP bench, nginx is its reference server
# (started by the bench itself on a free port; the package's own service is kept
# from starting at install time, see below)
if [ $bench -eq 1 ]; then
  binaries+=("wrk:wrk" "/usr/sbin/nginx:nginx")
fi
# python3 (Debian's) modules -> Debian package; used by the wire-contract test
# (zmq, msgpack) and the compose test (yaml)
pymods=(
  "zmq:python3-zmq"
  "msgpack:python3-msgpack"
  "yaml:python3-yaml"
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
if [ $check -eq 1 ]; then
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
# Packages that ship a service (nginx, haproxy) must not start it: the bench starts its
# own nginx with a generated config. A policy-rc.d that refuses every start is
# put in place for the install only, unless the machine already has one.
policy=/usr/sbin/policy-rc.d
own_policy=0
if [ ! -e $policy ]; then
  printf '#!/bin/sh\nexit 101\n' >$policy
  chmod 755 $policy
  own_policy=1
fi
rc=0
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || rc=$?
if [ $own_policy -eq 1 ]; then
  rm -f $policy
fi
[ $rc -eq 0 ] || { echo "deps: apt-get install failed ($rc)" >&2; exit $rc; }
echo "deps: installed" >&2
