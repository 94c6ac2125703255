#!/bin/sh
# Prepares the real validators moat's tests run its outputs through (apparmor_parser, xmllint,
# virt-xml-validate, python3-apparmor) and the inputs they lack on a host without libvirt or LXC:
# Debian's abstractions/libvirt-qemu, which ships in libvirt-daemon-system, and LXC's
# abstractions/lxc/container-base. Installing that package
# would pull in a whole libvirt daemon, so its files are unpacked into a cache folder of the repo
# instead, where test/support/validators.ts looks for them.
#
# Idempotent; needs no input. Run as root in CI (apt-get); locally it only installs what is missing.
set -eu

repo=$(CDPATH= cd -- "$(dirname -- "$0")/.." && pwd)
cache="$repo/.cache/validators"
packages="apparmor libvirt-clients libxml2-utils python3-apparmor"

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo "$@"; else
    echo "setup-validators: need root to run: $*" >&2; exit 1
  fi
}

missing=""
for p in $packages; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  # Refresh the package lists only when apt cannot find a candidate for a missing package.
  for p in $missing; do
    if ! apt-cache policy "$p" 2>/dev/null | grep -q 'Candidate: [^(]'; then
      as_root apt-get update
      break
    fi
  done
  # shellcheck disable=SC2086 # the package list is meant to split
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $missing
fi

abstraction="$cache/libvirt-daemon-system/etc/apparmor.d/abstractions/libvirt-qemu"
if [ ! -f "$abstraction" ]; then
  download="$cache/download"
  rm -rf "$download" "$cache/libvirt-daemon-system"
  mkdir -p "$download"
  # apt-get download writes into the working folder; the _apt sandbox user may not be able to, so
  # the warning about an unsandboxed download is expected when run as root.
  (cd "$download" && apt-get download libvirt-daemon-system)
  dpkg-deb -x "$download"/libvirt-daemon-system_*.deb "$cache/libvirt-daemon-system"
  rm -rf "$download"
fi
test -f "$abstraction"

# libvirt's virt-aa-helper, run in dry-run mode by test/model/implied tests to compare moat's implied VM
# rules with the ones libvirt writes. It ships in libvirt-daemon (and needs the libvirt0 of the same
# version), which are unpacked, not installed, for the same reason as above.
helper="$cache/virt-aa-helper/usr/lib/libvirt/virt-aa-helper"
if [ ! -x "$helper" ]; then
  download="$cache/download"
  rm -rf "$download" "$cache/virt-aa-helper"
  mkdir -p "$download"
  (cd "$download" && apt-get download libvirt-daemon libvirt0)
  for deb in "$download"/libvirt-daemon_*.deb "$download"/libvirt0_*.deb; do
    dpkg-deb -x "$deb" "$cache/virt-aa-helper"
  done
  rm -rf "$download"
fi
test -x "$helper"

# LXC 5.0's AppArmor files (abstractions/lxc/container-base, lxc/lxc-default-cgns), which container
# profiles include and the tests compare with. In Debian 12 they ship in liblxc-common (the `lxc`
# package itself holds none and depends on it), unpacked for the same reason as above.
lxc_base="$cache/lxc/etc/apparmor.d/abstractions/lxc/container-base"
if [ ! -f "$lxc_base" ]; then
  download="$cache/download"
  rm -rf "$download" "$cache/lxc"
  mkdir -p "$download"
  (cd "$download" && apt-get download liblxc-common)
  dpkg-deb -x "$download"/liblxc-common_*.deb "$cache/lxc"
  rm -rf "$download"
fi
test -f "$lxc_base"

# Debian's abstraction ends with a mandatory `#include <local/abstractions/libvirt-qemu>`: the
# site-local additions, empty on a fresh host.
mkdir -p "$cache/local/local/abstractions"
: >"$cache/local/local/abstractions/libvirt-qemu"

echo "setup-validators: ready ($cache)"
