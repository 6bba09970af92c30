#!/bin/sh
# Idempotent: the agent checks the detect rule first, but a script that checks
# for itself is safe to run again by hand too. The marker is per computer (the
# agent sets RINGMASTER_COMPUTER_ID), so another enrolment on this machine, or
# another user's, installs it for itself instead of finding it "already installed".
set -e
marker="${TMPDIR:-/tmp}/ringmaster-example/$RINGMASTER_COMPUTER_ID/fix-0001"
[ -f "$marker" ] && { echo "already installed"; exit 0; }
mkdir -p "$(dirname "$marker")"
echo "fix 0001 installed by $RINGMASTER_COMPUTER_ID" > "$marker"
echo "installed $RINGMASTER_UPDATE_ID"
