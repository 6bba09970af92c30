#!/usr/bin/env bash
# `npm run package`: the agent's .deb, and its .rpm where rpmbuild exists (Debian: the
# rpm package), into OUT_DIR (default dist-packages). Prints the files built.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if command -v rpmbuild >/dev/null; then
  bash "$here/build-rpm.sh" "$@"
else
  bash "$here/build-deb.sh" "$@"
  echo "note: rpmbuild not found, so no .rpm (Debian: apt-get install rpm)" >&2
fi
