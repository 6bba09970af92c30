#!/usr/bin/env bash
# Builds the agent's Debian package from the built tree (npm run build first; `npm run
# package` does both): OUT_DIR/ringmaster-agent_VERSION_all.deb (default OUT_DIR:
# dist-packages). The agent is bundled into one JavaScript file, so the package is
# architecture-independent and needs only Node.js on the computer.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
out=$(mkdir -p "${1:-$repo/dist-packages}" && cd "${1:-$repo/dist-packages}" && pwd)
version=$(node -p "require('$repo/package.json').version")
entry="$repo/dist/cli/agent-main.js"

if [ ! -f "$entry" ]; then
  echo "error: $entry is missing: run npm run build first (npm run package does)" >&2
  exit 2
fi
command -v dpkg-deb >/dev/null || { echo "error: dpkg-deb is needed to build the .deb" >&2; exit 2; }

stage=$(mktemp -d)
chmod 0755 "$stage"
trap 'rm -rf "$stage"' EXIT
lib="$stage/usr/lib/ringmaster"
mkdir -p "$lib/dist" "$stage/usr/bin" "$stage/lib/systemd/system" "$stage/etc/ringmaster" \
  "$stage/usr/share/doc/ringmaster-agent" "$stage/DEBIAN"

# One file: the agent command and what it imports, nothing of the server.
(cd "$repo" && npx --no-install rolldown "$entry" --platform node --format esm \
  --file "$lib/dist/agent.mjs" --minify --log-level warn >/dev/null)
# src/version.ts reads ../package.json beside the code: the bundle's own.
printf '{ "name": "ringmaster-agent", "version": "%s", "type": "module" }\n' "$version" >"$lib/package.json"

install -m 0755 "$here/deb/ringmaster" "$stage/usr/bin/ringmaster"
install -m 0644 "$here/deb/ringmaster-agent.service" "$stage/lib/systemd/system/"
# The token lives here: readable by root only.
install -m 0600 "$here/deb/agent.conf" "$stage/etc/ringmaster/agent.conf"
printf 'Ringmaster is licensed under the Apache License 2.0.\n' >"$stage/usr/share/doc/ringmaster-agent/copyright"
for script in postinst prerm postrm; do
  install -m 0755 "$here/deb/$script" "$stage/DEBIAN/$script"
done
echo /etc/ringmaster/agent.conf >"$stage/DEBIAN/conffiles"
size=$(du -sk --exclude=DEBIAN "$stage" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@SIZE@/$size/" "$here/deb/control" >"$stage/DEBIAN/control"

file="$out/ringmaster-agent_${version}_all.deb"
dpkg-deb --root-owner-group --build "$stage" "$file" >/dev/null
echo "$file"
