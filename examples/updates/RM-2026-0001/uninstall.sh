#!/bin/sh
rm -f "${TMPDIR:-/tmp}/ringmaster-example/$RINGMASTER_COMPUTER_ID/fix-0001"
echo "removed $RINGMASTER_UPDATE_ID"
