#!/bin/sh
# Installs Outlane under a prefix, so that it runs from any directory with no flags:
#   <prefix>/bin/outlane
#   <prefix>/share/outlane/lanes/lanes.toml       the default lanes' manifest, components beside it
#   <prefix>/share/outlane/lanes/lane_*.wasm
#   <prefix>/share/outlane/prompts/*.j2
#   <prefix>/share/outlane/models/minilm/         model.onnx, tokenizer.json
#   <prefix>/share/outlane/vendor/ort/            ONNX Runtime's shared library
# The binary finds share/outlane beside its bin/ (see host/src/resources.rs).
#
# Usage: host/install.sh PREFIX BINARY LANES_DIR
#   BINARY     the outlane binary to install (make install builds it in release mode)
#   LANES_DIR  where the lane components named by lanes/lanes.toml were built
# `make install [PREFIX=/usr/local]` builds everything and calls this. Nothing is downloaded:
# the model and ONNX Runtime come from `make models` (models/ and vendor/ of the checkout).
# An existing install is replaced file by file; the user's configuration and data (in
# ~/.config/outlane and ~/.local/share/outlane) are never touched.
set -eu

die() {
    echo "install: error: $*" >&2
    exit 1
}

[ $# -eq 3 ] || die "usage: host/install.sh PREFIX BINARY LANES_DIR"
prefix=$1
binary=$2
lanes_dir=$3
repo=$(cd "$(dirname "$0")/.." && pwd)
share=$prefix/share/outlane
ort=vendor/ort/libonnxruntime.so.1.31.1

[ -x "$binary" ] || die "$binary is not an executable: build it first (make install does)"
[ -f "$repo/models/minilm/model.onnx" ] && [ -f "$repo/models/minilm/tokenizer.json" ] ||
    die "the embedding model is missing under $repo/models: run \`make models\`"
[ -f "$repo/$ort" ] || die "ONNX Runtime is missing ($repo/$ort): run \`make models\`"

# The components the manifest names, all present before anything is copied.
components=$(sed -n 's|^component = ".*/\([^/"]*\.wasm\)".*|\1|p' "$repo/lanes/lanes.toml")
[ -n "$components" ] || die "no component in $repo/lanes/lanes.toml"
for c in $components; do
    [ -f "$lanes_dir/$c" ] || die "$lanes_dir/$c is missing: build the lanes (\`make lanes\`)"
done

install -d "$prefix/bin" "$share/lanes" "$share/prompts" "$share/models/minilm" "$share/vendor/ort"
install -m 755 "$binary" "$prefix/bin/outlane"
for c in $components; do
    install -m 644 "$lanes_dir/$c" "$share/lanes/$c"
done
# The installed manifest names its components beside it.
sed 's|^component = ".*/\([^/"]*\.wasm\)"|component = "\1"|' "$repo/lanes/lanes.toml" \
    >"$share/lanes/lanes.toml.tmp"
mv "$share/lanes/lanes.toml.tmp" "$share/lanes/lanes.toml"
install -m 644 "$repo"/prompts/*.j2 "$share/prompts/"
install -m 644 "$repo/models/minilm/model.onnx" "$repo/models/minilm/tokenizer.json" \
    "$share/models/minilm/"
install -m 644 "$repo/$ort" "$share/$ort"
echo "install: outlane in $prefix/bin, its lanes, prompts, model and ONNX Runtime in $share"
