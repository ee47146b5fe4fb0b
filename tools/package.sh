#!/bin/sh
# package.sh BOOTSTRAP ZIP: the zip provided.al2023 runs, the same bytes every time the same
# bootstrap is packaged: the bootstrap stripped (with $STRIP, default strip) at the zip's root,
# mode 0755, dated 1980-01-01 00:00 UTC, and no extra fields (owner, times) or directory entries.
set -eu
[ $# -eq 2 ] || { echo "usage: $0 BOOTSTRAP ZIP" >&2; exit 2; }
command -v zip >/dev/null || { echo "$0: packaging needs the 'zip' program: apt-get install zip" >&2; exit 1; }

zip_path=$(realpath -m "$2")
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

"${STRIP:-strip}" -o "$stage/bootstrap" "$1"
chmod 0755 "$stage/bootstrap"
touch -d @315532800 "$stage/bootstrap"
mkdir -p "$(dirname "$zip_path")"
rm -f "$zip_path"
(cd "$stage" && TZ=UTC zip -q -X -D "$zip_path" bootstrap)
echo "wrote $2"
