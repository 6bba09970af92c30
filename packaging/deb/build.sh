#!/bin/sh
# Builds the agent's .deb: the built CLI with its production dependencies under
# /usr/lib/ringmaster, /usr/bin/ringmaster, the systemd unit, /etc/ringmaster/agent.conf
# (a conffile) and /var/lib/ringmaster for its state. Usage: build.sh [OUT_DIR]
# (default dist-package/). Run `npm run build` first (`npm run package` does).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
out=${1:-$repo/dist-package}
version=$(node -p "require('$repo/package.json').version")
arch=$(dpkg --print-architecture) # better-sqlite3 is a native module
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root=$work/root
lib=$root/usr/lib/ringmaster
mkdir -p "$root/DEBIAN" "$lib" "$root/usr/bin" "$root/lib/systemd/system" "$root/etc/ringmaster" \
  "$root/var/lib/ringmaster"
chmod 0700 "$root/var/lib/ringmaster"
[ -f "$repo/dist/cli/main.js" ] || { echo "build.sh: run npm run build first" >&2; exit 1; }
cp -R "$repo/dist" "$repo/package.json" "$lib/"
# The production dependencies only, as npm resolved them here.
(cd "$repo" && npm ls --omit=dev --all --parseable 2>/dev/null) | while read -r dir; do
  case "$dir" in "$repo") continue ;; esac
  rel=${dir#"$repo"/}
  mkdir -p "$lib/$(dirname "$rel")"
  [ -e "$lib/$rel" ] || cp -R "$dir" "$lib/$rel"
done
install -m 0755 "$here/ringmaster" "$root/usr/bin/ringmaster"
install -m 0644 "$here/ringmaster-agent.service" "$root/lib/systemd/system/ringmaster-agent.service"
install -m 0600 "$here/agent.conf" "$root/etc/ringmaster/agent.conf"
install -m 0755 "$here/postinst" "$here/prerm" "$root/DEBIAN/"
echo /etc/ringmaster/agent.conf > "$root/DEBIAN/conffiles"
cat > "$root/DEBIAN/control" <<CONTROL
Package: ringmaster-agent
Version: $version
Architecture: $arch
Maintainer: Ringmaster <ringmaster@example.invalid>
Depends: nodejs (>= 20.19)
Section: admin
Priority: optional
Description: Ringmaster agent
 Installs the software updates its Ringmaster server approves, in phases,
 and reports every outcome. Runs as the ringmaster-agent systemd service.
CONTROL
mkdir -p "$out"
dpkg-deb --root-owner-group -Zgzip --build "$root" "$out/ringmaster-agent_${version}_${arch}.deb" >/dev/null
echo "$out/ringmaster-agent_${version}_${arch}.deb"
