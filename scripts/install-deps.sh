#!/bin/sh
# Installs the Debian packages textclf needs to build and test, and nothing
# when they are all present.  Needs root (or sudo) only when something is missing.
set -eu
need="gcc make pkg-config libyaml-dev libutf8proc-dev libopenblas-dev libcmocka-dev tmux zlib1g-dev libjansson-dev"
# make fuzz (part of make test): clang with libFuzzer and its sanitizer
# runtimes; /usr/bin/time measures peak RSS in tests/cli/test_bad_inputs.sh
need="$need clang libclang-rt-14-dev time"
# make format / make format-check: the clang-format that .clang-format is written for
need="$need clang-format-14"
# make MPI=1 and tests/cli/test_mpi.sh: Open MPI (mpicc, mpirun); pgrep finds a rank to kill
need="$need libopenmpi-dev openmpi-bin procps"
missing=""
for p in $need; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "install-deps: installing:$missing" >&2
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
