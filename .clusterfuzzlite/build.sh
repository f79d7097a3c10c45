#!/usr/bin/env bash
# ClusterFuzzLite / OSS-Fuzz entry point. The Dockerfile copies this file to $SRC/build.sh and the
# builder runs it in the WORKDIR, the vspconform checkout. All the work is fuzz/build.sh's (one build
# script for every place the target is built): it reads $CC $CXX $CFLAGS $CXXFLAGS
# $LIB_FUZZING_ENGINE $OUT $WORK as OSS-Fuzz sets them.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
for checkout in "$here/.." "$PWD" "${SRC:-/src}/vspconform"; do
    if [[ -f $checkout/fuzz/build.sh && -f $checkout/corpus/vspconform.dict ]]; then
        exec "$checkout/fuzz/build.sh" "$@"
    fi
done
echo ".clusterfuzzlite/build.sh: error: no vspconform checkout beside this script, in $PWD or in" \
     "${SRC:-/src}/vspconform" >&2
exit 2
