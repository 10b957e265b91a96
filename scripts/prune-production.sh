#!/bin/sh
# Trims a production node_modules of what Node never loads at run time: source maps, type
# declarations, documentation, and TypeORM's browser build. Used by the Dockerfile and by CI's
# artifact check, so both measure the same thing.
set -eu
dir=${1:-node_modules}
find "$dir" -type f \( -name '*.map' -o -name '*.d.ts' -o -name '*.d.mts' -o -name '*.d.cts' -o -iname '*.md' -o -iname '*.markdown' \) -delete
rm -rf "$dir/typeorm/browser"
