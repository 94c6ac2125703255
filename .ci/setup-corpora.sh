#!/bin/sh
# Fetches the corpus test/audit/apparmor-corpus.test.ts checks moat's audit record parser against:
# AppArmor's own log-parser test suite (libraries/libapparmor/testsuite/test_multi: one log line per
# `.in`, the parse libapparmor expects of it in the `.out`), from the source package of Debian 12
# (bookworm, AppArmor 3.0.8). The suite is LGPL test data: it is unpacked into .cache/corpora/ (not
# tracked by git) and read from there at test time, never copied into the repository.
#
# apt runs with a private configuration: its own one-line sources list, package lists and download
# cache, all under .cache/corpora/apt/, so the machine's apt state is left as it was. The mirror is
# the one the machine's apt already uses for bookworm (apt-get indextargets, else the sources files);
# MOAT_DEBIAN_MIRROR=URI overrides it. Needs no root.
#
# With the argument `libvirt` it fetches instead the domain XMLs of libvirt's own test suite
# (tests/qemuxml2argvdata/*.xml of Debian 12's libvirt 9.0.0 source), which
# test/import/libvirt-corpus.test.ts imports and compares with virt-aa-helper's rules; LGPL test data,
# unpacked into .cache/corpora/libvirt-qemuxml2argvdata/ and never copied into the repository.
#
# Idempotent: once the suite is unpacked it does nothing. Prints the suite's folder on success.
set -eu

repo=$(CDPATH= cd -- "$(dirname -- "$0")/.." && pwd)
cache="$repo/.cache/corpora"
release=bookworm
package=${1:-apparmor}
case "$package" in
  apparmor) suite="$cache/apparmor-test_multi" ;;
  libvirt) suite="$cache/libvirt-qemuxml2argvdata" ;;
  *) echo "setup-corpora: unknown corpus $package (apparmor or libvirt)" >&2; exit 2 ;;
esac

if [ -f "$suite/SOURCE" ]; then
  echo "setup-corpora: ready ($suite)"
  exit 0
fi

command -v apt-get >/dev/null 2>&1 || { echo "setup-corpora: apt-get is not available" >&2; exit 1; }

# The mirror base URI the machine's apt uses for $release.
mirror=${MOAT_DEBIAN_MIRROR:-}
if [ -z "$mirror" ]; then
  # apt's own view of its sources: each index target's repository, suite and (from the downloaded
  # Release file) codename, so that a source written as `stable` is found too.
  mirror=$(apt-get indextargets --format '$(REPO_URI) $(RELEASE) $(CODENAME)' 2>/dev/null |
    awk -v r="$release" '$2 == r || $3 == r { print $1; exit }')
fi
if [ -z "$mirror" ]; then
  # No package lists yet: read the sources files themselves, one-line (.list) and deb822 (.sources).
  mirror=$(
    {
      cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
        sed -e 's/#.*//' -e 's/\[[^]]*\]//' |
        awk -v r="$release" '($1 == "deb" || $1 == "deb-src") && $3 == r { print $2; exit }'
      for f in /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] || continue
        awk -v r="$release" '
          function flush() { if (found && uri != "" && !done) { print uri; done = 1; exit } found = 0; uri = "" }
          /^[ \t]*$/ { flush(); next }
          /^[ \t]*#/ { next }
          tolower($1) == "uris:" { uri = $2 }
          tolower($1) == "suites:" { for (i = 2; i <= NF; i++) if ($i == r) found = 1 }
          END { flush() }' "$f"
      done
    } | head -n 1
  )
fi
if [ -z "$mirror" ]; then
  echo "setup-corpora: the machine's apt has no $release source to take a mirror from (set MOAT_DEBIAN_MIRROR)" >&2
  exit 1
fi
mirror=${mirror%/}

apt="$cache/apt"
mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial"
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
if [ -f "$keyring" ]; then
  printf 'deb-src [signed-by=%s] %s %s main\n' "$keyring" "$mirror" "$release" >"$apt/sources.list"
else
  printf 'deb-src %s %s main\n' "$mirror" "$release" >"$apt/sources.list"
fi

# The private configuration: only our sources list, our lists, our cache (no binary caches at all).
set -- \
  -o "Dir::Etc::SourceList=$apt/sources.list" \
  -o "Dir::Etc::SourceParts=/dev/null" \
  -o "Dir::State::Lists=$apt/lists" \
  -o "Dir::Cache=$apt/cache" \
  -o "Dir::Cache::pkgcache=" \
  -o "Dir::Cache::srcpkgcache="

echo "setup-corpora: apt-get update (deb-src $mirror $release main, private lists in $apt)"
apt-get "$@" -q update

work="$cache/download.$$"
rm -rf "$work"
mkdir -p "$work"
trap 'rm -rf "$work"' EXIT INT TERM
# apt-get source writes into the working folder. As root, apt's _apt sandbox user may not be able to
# write there, so a warning about an unsandboxed download is expected.
# The mirror may list the source package and still refuse its files (404): say so with exit 3, which
# the corpus test reports as a fact of the network rather than a failure of moat.
if ! (cd "$work" && apt-get "$@" -q source --download-only "$package"); then
  if ls "$work"/"$package"_*.dsc >/dev/null 2>&1; then
    echo "setup-corpora: the mirror lists $package's source but does not serve its files" >&2
    exit 3
  fi
  exit 1
fi
dsc=$(ls "$work"/"$package"_*.dsc | head -n 1)
version=$(basename "$dsc" .dsc | sed "s/^${package}_//")

rm -rf "$suite.new"
mkdir -p "$suite.new"
if [ "$package" = libvirt ]; then
  # Only the test domains: the upstream tarball's tests/qemuxml2argvdata/*.xml (Debian's patches
  # change no test data), without unpacking the whole tree.
  tar -xf "$(ls "$work"/"$package"_*.orig.tar.* | head -n 1)" -C "$work" --wildcards --no-wildcards-match-slash '*/tests/qemuxml2argvdata/*.xml'
  cp -p "$work"/*/tests/qemuxml2argvdata/*.xml "$suite.new/"
  printf 'package %s %s from deb-src %s %s main\n' "$package" "$version" "$mirror" "$release" >"$suite.new/SOURCE"
  rm -rf "$suite"
  mv "$suite.new" "$suite"
  rm -rf "$apt"
  echo "setup-corpora: ready ($suite: $(ls "$suite" | grep -c '\.xml$') domains from $package $version)"
  exit 0
fi
if command -v dpkg-source >/dev/null 2>&1; then
  # Debian's tree, with Debian's patches applied.
  (cd "$work" && dpkg-source -q -x "$dsc" tree >/dev/null)
else
  # No dpkg-dev: the upstream tarball alone.
  mkdir -p "$work/tree"
  tar -xf "$(ls "$work"/"$package"_*.orig.tar.* | head -n 1)" -C "$work/tree" --strip-components=1
fi
test -d "$work/tree/libraries/libapparmor/testsuite/test_multi"

cp -p "$work/tree/libraries/libapparmor/testsuite/test_multi/"* "$suite.new/"
printf 'package %s %s from deb-src %s %s main\n' "$package" "$version" "$mirror" "$release" >"$suite.new/SOURCE"
rm -rf "$suite"
mv "$suite.new" "$suite"
rm -rf "$apt" # the private package lists are of no further use
echo "setup-corpora: ready ($suite: $(ls "$suite" | grep -c '\.in$') cases from $package $version)"
