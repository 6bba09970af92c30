#!/usr/bin/env bash
# Builds the agent's RPM from its .deb (packaging/build-deb.sh builds that first), so
# both carry the same files: OUT_DIR/ringmaster-agent-VERSION-1.noarch.rpm (default
# OUT_DIR: dist-packages). Needs rpmbuild (Debian: the rpm package).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
out=$(mkdir -p "${1:-$repo/dist-packages}" && cd "${1:-$repo/dist-packages}" && pwd)
version=$(node -p "require('$repo/package.json').version")
command -v rpmbuild >/dev/null || { echo "error: rpmbuild is needed to build the .rpm" >&2; exit 2; }

deb=$(bash "$here/build-deb.sh" "$out" | tail -1)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root="$work/root"
dpkg-deb -x "$deb" "$root"
mkdir -p "$root/var/lib/ringmaster"

rpmbuild -bb --quiet \
  --define "_topdir $work/top" \
  --define "_rpmdir $out" \
  --define "_build_name_fmt %%{NAME}-%%{VERSION}-%%{RELEASE}.%%{ARCH}.rpm" \
  --define "rm_version $version" \
  --buildroot "$root" \
  "$here/rpm/ringmaster-agent.spec" >/dev/null
echo "$deb"
echo "$out/ringmaster-agent-$version-1.noarch.rpm"
