#!/usr/bin/env bash
# The one command run on a lent GPU machine (after bench/device/prepare.sh filled .carry/ here):
#   device run, carry [".carry"], command: bash bench/device/run.sh
# The stages' time limits add up to 9.5 minutes, inside one device call (10 minutes at most).
# Everything it learns goes to $OUT (or ./out when run locally), one file per stage, so a stage
# that fails or runs out of time still leaves the others. Stages:
#   1 adapter info, limits, features, subgroup-matrix configs      -> adapter.json
#  1b npm run tune --quick at the shapes of stage 3 (stages 2-3 use its table) -> tune.txt, tune-*.json
#   2 kernel benchmarks at DistilBERT's shapes                      -> bench.json, bench.md
#   3 full-size DistilBERT from scratch, batch 64: ms/step, tokens/s -> step.json (+ run dir)
#   4 PyTorch on the same GPU, same config, batches and init         -> torch.json
#   5 the comparison: ms/step, matmul TFLOP/s vs cuBLAS, parity      -> summary.md
# Locally (no GPU, llvmpipe) `bash bench/device/run.sh --cpu` runs the same stages on a tiny model.
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:-$PWD/out}
mkdir -p "$OUT"
log() { echo "[$(date +%T)] $*" | tee -a "$OUT/run.log" >&2; }

cpu=0
[ "${1:-}" = "--cpu" ] && cpu=1

if [ -f .carry/node.xz ] && ! command -v node >/dev/null; then
  xz -dc .carry/node.xz > /tmp/node && chmod +x /tmp/node && export PATH=/tmp:$PATH
fi
# The Vulkan loader goes into / : only on the lent machine, never on a developer's or CI's.
if [ $cpu = 0 ] && [ -d .carry/debs ] && ! ldconfig -p | grep -q libvulkan.so.1; then
  for f in .carry/debs/*.deb; do dpkg -x "$f" /; done
  ldconfig
fi
if [ -f /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json ]; then
  export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
fi

# app SECONDS NAME ARGS…: runs an entry point under a time limit, bundled when carried, else
# from the sources through tsx.
if [ -d .carry/app ]; then
  app() { local limit=$1 name=$2; shift 2; timeout "$limit" node ".carry/app/$name.mjs" "$@"; }
  shared=.carry/shared
else
  declare -A source=([bench]=bench/bench.ts [probe]=bench/device/probe.ts [step]=bench/device/step.ts [tune]=bench/tune.ts)
  app() { local limit=$1 name=$2; shift 2; timeout "$limit" npx tsx "${source[$name]}" "$@"; }
  shared=../shared
fi

if [ $cpu = 1 ]; then
  size=(--dim 64 --layers 2 --heads 4 --hidden-dim 128 --batch-size 8 --steps 4 --max-length 32)
  bench=(--quick --batch 2 --seq 16 --dim 64 --hidden 128 --heads 4 --layers 1 --vocab 1000 --matmul-sizes 64 --matmul-configs 64x64x16/4x4/4)
else
  size=(--dim 768 --layers 6 --heads 12 --hidden-dim 3072 --batch-size 64 --steps 30 --max-length 128)
  bench=()
fi

log "stage 1: adapter"
app 30 probe --out "$OUT/adapter.json" > /dev/null 2>> "$OUT/run.log" || log "probe failed"

log "stage 1b: kernel tuning"
if [ $cpu = 1 ]; then tune=(--batch 8 --seq 32 --dim 64 --hidden 128 --heads 4 --matmul-configs 64x64x16/4x4/4); else tune=(--batch 64 --max-length 128); fi
app 40 tune --quick "${tune[@]}" --data "$shared/data/rotten_tomatoes" --model "$shared/models/distilbert-base-uncased" > "$OUT/tune.txt" 2>> "$OUT/run.log" || log "tune failed"
cp "${XDG_CACHE_HOME:-$HOME/.cache}"/wgsl-distilbert/tune-*.json "$OUT/" 2>/dev/null

log "stage 2: kernel benchmarks"
app 180 bench "${bench[@]}" --json "$OUT/bench.json" --report "$OUT/bench.md" > "$OUT/bench.txt" 2>> "$OUT/run.log" || log "bench failed"

log "stage 3: training steps of DistilBERT from scratch"
run_dir=$(mktemp -d)
app 150 step "${size[@]}" --shared "$shared" --run-dir "$run_dir" --out "$OUT/step.json" > /dev/null 2>> "$OUT/run.log" || log "step timing failed"

# The python3 that has torch (Debian's python3-torch lives in /usr/bin/python3).
python=""
for p in python3 /usr/bin/python3; do
  if command -v $p >/dev/null && $p -c 'import torch' 2>/dev/null; then python=$p; break; fi
done
if [ -n "$python" ]; then
  log "stage 4: PyTorch on the same device (parity only, on the CPU, without CUDA)"
  PYTHONUNBUFFERED=1 timeout 150 $python bench/device/torch_step.py --run-dir "$run_dir" --out "$OUT/torch.json" > /dev/null 2>> "$OUT/run.log" || log "torch failed"
fi

log "stage 5: summary"
app 20 step --summarize "$OUT" > "$OUT/summary.md" 2>> "$OUT/run.log" || log "summary failed"
cat "$OUT/summary.md"
