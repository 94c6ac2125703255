#!/bin/sh
# Prepares what the kernel suite (`npm run test:kernel`, test/kernel/) needs to boot a real kernel
# with AppArmor: QEMU and dmsetup from apt, and, cached in .cache/kernel/, Debian's kernel image (the
# package linux-image-amd64 depends on) with the modules the guest loads, and busybox-static, fetched
# with `apt-get download` and unpacked.
# The suite itself builds the initramfs; it fetches the same two packages if this script did not run.
#
# Idempotent; needs no input. Run as root in CI (apt-get install); locally it only installs what is
# missing, and the packages are downloaded once.
set -eu

repo=$(CDPATH= cd -- "$(dirname -- "$0")/.." && pwd)
cache="$repo/.cache/kernel"
packages="qemu-system-x86 gcc libc6-dev dmsetup"

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo "$@"; else
    echo "setup-kernel: need root to run: $*" >&2; exit 1
  fi
}

missing=""
for p in $packages; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  for p in $missing; do
    if ! apt-cache policy "$p" 2>/dev/null | grep -q 'Candidate: [^(]'; then
      as_root apt-get update
      break
    fi
  done
  # shellcheck disable=SC2086 # the package list is meant to split
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $missing
fi

# The kernel modules the guest may load: test/kernel/guest/modules.txt (harness.ts reads the same list).
modules=$(grep -v '^#' "$repo/test/kernel/guest/modules.txt" | grep -v '^ *$')
modules_there=yes
for m in $modules; do [ -f "$cache/modules/$(basename "$m")" ] || modules_there=no; done

if [ ! -f "$cache/vmlinuz" ] || [ ! -x "$cache/busybox" ] || [ "$modules_there" = no ]; then
  download="$cache/download"
  rm -rf "$download"
  mkdir -p "$download"
  image=$(apt-cache depends linux-image-amd64 | sed -n 's/.*Depends: \(linux-image-[0-9].*-amd64\)$/\1/p' | head -1)
  [ -n "$image" ] || { echo "setup-kernel: apt knows no linux-image-amd64 (apt-get update?)" >&2; exit 1; }
  # apt-get download writes into the working folder; as root the unsandboxed-download warning is expected.
  (cd "$download" && apt-get download "$image" busybox-static)
  for deb in "$download"/*.deb; do dpkg-deb -x "$deb" "$download/root"; done
  cp "$download"/root/boot/vmlinuz-* "$cache/vmlinuz.tmp" && mv "$cache/vmlinuz.tmp" "$cache/vmlinuz"
  mkdir -p "$cache/modules"
  for m in $modules; do
    cp "$download"/root/lib/modules/*/"$m" "$cache/modules/$(basename "$m").tmp" && mv "$cache/modules/$(basename "$m").tmp" "$cache/modules/$(basename "$m")"
  done
  echo "$image" >"$cache/kernel-package"
  cp "$download/root/bin/busybox" "$cache/busybox.tmp" && mv "$cache/busybox.tmp" "$cache/busybox"
  rm -rf "$download"
fi
test -f "$cache/vmlinuz"
test -x "$cache/busybox"

echo "setup-kernel: ready ($cache, $(cat "$cache/kernel-package" 2>/dev/null || echo kernel))"
