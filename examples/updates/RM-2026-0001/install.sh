#!/bin/sh
# Idempotent: the agent checks the detect rule first, but a script that checks
# for itself is safe to run again by hand too.
set -e
marker=/tmp/ringmaster-example/fix-0001
[ -f "$marker" ] && { echo "already installed"; exit 0; }
mkdir -p "$(dirname "$marker")"
echo "fix 0001 installed by $RINGMASTER_COMPUTER_ID" > "$marker"
echo "installed $RINGMASTER_UPDATE_ID"
