#!/bin/sh
rm -f /tmp/ringmaster-example/fix-0001
echo "removed $RINGMASTER_UPDATE_ID"
