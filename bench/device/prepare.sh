#!/usr/bin/env bash
# Fills .carry/ (git-ignored) with everything a bare GPU machine needs to run bench/device/run.sh:
#   node.xz            this machine's node binary, xz-compressed (the device may have no node)
#   app/*.mjs          the project bundled by esbuild (entry points below), webgpu left external,
#                      and bench/host_torch.py beside bench.mjs
#   node_modules/webgpu  the webgpu package with only the linux-x64 dawn.node
#   debs/*.deb         the Vulkan loader (libvulkan1), unpacked there with dpkg -x
#   shared/            the rotten_tomatoes sentences and the DistilBERT config/vocab from ../shared
# Usage: bash bench/device/prepare.sh      (then the device tool runs with carry [".carry"])
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
carry=.carry
rm -rf "$carry" && mkdir -p "$carry/app" "$carry/debs" "$carry/node_modules" "$carry/shared"

echo "node $(node --version) -> $carry/node.xz"
xz -T2 -6 -c "$(command -v node)" > "$carry/node.xz"

entries=(bench/bench.ts bench/device/probe.ts bench/device/step.ts bench/tune.ts)
for entry in "${entries[@]}"; do
  [ -f "$entry" ] || { echo "missing entry point $entry" >&2; exit 1; }
  npx esbuild "$entry" --bundle --platform=node --format=esm --target=node20 \
    --external:webgpu --log-level=warning \
    --banner:js="import { createRequire as __cr } from 'module'; const require = __cr(import.meta.url);" \
    --outfile="$carry/app/$(basename "${entry%.ts}").mjs"
done
# bench --only host runs PyTorch's side from the folder of the running script.
[ -f bench/host_torch.py ] && cp bench/host_torch.py "$carry/app/"

mkdir -p "$carry/node_modules/webgpu/dist"
cp node_modules/webgpu/{index.js,package.json} "$carry/node_modules/webgpu/"
cp -r node_modules/webgpu/dist/linux-x64 "$carry/node_modules/webgpu/dist/"

(cd "$carry/debs" && apt-get download libvulkan1 >/dev/null 2>&1) || {
  mkdir -p /tmp/amd64/partial
  o='-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/amd64'
  apt-get $o update >/dev/null && (cd "$carry/debs" && apt-get $o download libvulkan1 >/dev/null)
}

cp -r ../shared/data ../shared/models "$carry/shared/"
du -sh "$carry"
