#!/usr/bin/env bash
# The one command run on a lent GPU machine (after bench/device/prepare.sh filled .carry/ here):
#   device run, carry [".carry"], command: bash bench/device/run.sh [--smoke]
# Everything it learns goes to $OUT (or ./out when run locally), one file per stage. Each stage
# runs under its own time limit, cut further so that the whole run ends within its budget (full:
# 9.5 minutes, inside one 10-minute device call; --smoke: 5 minutes), so a stage that fails or
# hangs still leaves the others' files and the summary. A stage whose command does not exist yet
# is skipped with a line saying so.
#   --smoke: 1 adapter: features, limits, subgroup-matrix configs (also with allow_unsafe_apis and
#              vulkan_enable_f16_on_nvidia)                                  -> adapter.json
#            2 every kernel variant validated on the GPU and timed (bench --quick) -> bench.json, bench.md
#            3 10 timed full-size training steps, fp32                        -> step.json
#            summary                                                          -> summary.md
#   full:    1 the adapter, as above
#            2 npm run tune --quick at the training shapes (the later stages use its table)
#                                                                             -> tune.txt, tune-*.json
#            3 full-size DistilBERT from scratch, batch 64, fp32: ms/step, tokens/s, peak memory;
#              20 steps with dropout off for parity; the trained model folder -> step.json
#            4 the same with --fp16                                           -> step_fp16.json
#            5 PyTorch eager on the same GPU, batches and initial weights: fp32 (TF32 off, sdpa)
#              and AMP fp16 (autocast + GradScaler): ms/step, max_memory_allocated; the 20 parity
#              steps (eager attention); our trained folder through from_pretrained, its logits
#              beside ours; cuBLAS SGEMM at the bench's shapes  -> torch_{speed,amp,parity,saved,sgemm}.json
#            6 host µs per launch on this machine's CPU (bench --only host)  -> host.json, host.md
#            7 every kernel benchmark (bench)                                 -> bench.json, bench.md
#            summary                                                          -> summary.md
# Locally (no GPU, llvmpipe) `--cpu` runs the same stages on a tiny model, PyTorch on the CPU.
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:-$PWD/out}
mkdir -p "$OUT"
log() { echo "[$(date +%T)] $*" | tee -a "$OUT/run.log" >&2; }

cpu=0
smoke=0
for arg in "$@"; do
  case $arg in
    --cpu) cpu=1 ;;
    --smoke) smoke=1 ;;
    *) echo "usage: bash bench/device/run.sh [--smoke] [--cpu]" >&2; exit 2 ;;
  esac
done
budget=$([ $smoke = 1 ] && echo 290 || echo 570)
# On llvmpipe everything is slower (and the limits are the GPU machine's): twice the time.
scale=$([ $cpu = 1 ] && echo 2 || echo 1)
deadline=$((SECONDS + budget * scale))

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

# Entry points: bundled in .carry/app when carried, else run from the sources through tsx.
declare -A source=([bench]=bench/bench.ts [probe]=bench/device/probe.ts [step]=bench/device/step.ts [tune]=bench/tune.ts)
if [ -d .carry/app ]; then
  entry() { echo ".carry/app/$1.mjs"; }
  runner=(node)
  shared=.carry/shared
else
  entry() { echo "${source[$1]}"; }
  runner=(npx tsx)
  shared=../shared
fi
exists() { [ -f "$(entry "$1")" ]; }

# limit SECONDS: the stage's limit, cut to what the budget leaves for the summary.
limit() {
  local want=$(($1 * scale)) left=$((deadline - SECONDS - 15 * scale))
  echo $((want < left ? want : left))
}
# app SECONDS NAME ARGS…: runs an entry point under its limit; skipped when the budget is spent.
app() {
  local seconds
  seconds=$(limit "$1")
  local name=$2
  shift 2
  if [ "$seconds" -lt 5 ]; then log "  skipped $name: the time budget is spent"; return 1; fi
  timeout "$seconds" "${runner[@]}" "$(entry "$name")" "$@"
}

if [ $cpu = 1 ]; then
  max_length=32
  size=(--dim 64 --layers 2 --heads 4 --hidden-dim 128 --batch-size 8 --max-length $max_length)
  shapes=(--batch 2 --seq 16 --dim 64 --hidden 128 --heads 4 --layers 1 --vocab 1000)
  # The dry run checks the kit's plumbing, not the kernels (the tests do): matmul alone.
  bench=(--only matmul --matmul-sizes 64 --matmul-configs 64x64x16/4x4/4)
  tune=(--batch 8 --seq 32 --dim 64 --hidden 128 --heads 4 --matmul-configs 64x64x16/4x4/4)
  tokens=(--tokens 32 --dim 64 --hidden 128)
  steps=4
  parity_steps=3
else
  max_length=128
  size=(--dim 768 --layers 6 --heads 12 --hidden-dim 3072 --batch-size 64 --max-length $max_length)
  shapes=()
  bench=()
  tune=(--batch 64 --max-length $max_length)
  tokens=(--tokens 4096 --dim 768 --hidden 3072)
  steps=30
  parity_steps=20
fi
[ $smoke = 1 ] && steps=10 && parity_steps=0

log "stage 1: adapter (features, limits, subgroup-matrix configs)"
app 30 probe --out "$OUT/adapter.json" > /dev/null 2>> "$OUT/run.log" || log "  probe failed"

if [ $smoke = 1 ]; then
  log "stage 2: every kernel variant validated and timed (bench --quick)"
  app 150 bench --quick "${shapes[@]}" "${bench[@]}" --json "$OUT/bench.json" --report "$OUT/bench.md" > "$OUT/bench.txt" 2>> "$OUT/run.log" || log "  bench failed"
  log "stage 3: $steps timed training steps of DistilBERT from scratch, fp32"
  app 90 step "${size[@]}" --steps $steps --parity-steps 0 --shared "$shared" --out "$OUT/step.json" > /dev/null 2>> "$OUT/run.log" || log "  step timing failed"
else
  if exists tune; then
    log "stage 2: kernel tune at the training shapes"
    app 60 tune --quick "${tune[@]}" --data "$shared/data/rotten_tomatoes" --model "$shared/models/distilbert-base-uncased" > "$OUT/tune.txt" 2>> "$OUT/run.log" || log "  tune failed"
    cp "${XDG_CACHE_HOME:-$HOME/.cache}"/wgsl-distilbert/tune-*.json "$OUT/" 2> /dev/null
  else
    log "stage 2: skipped: no kernel tune (bench/tune.ts) in this tree"
  fi

  log "stage 3: training steps of DistilBERT from scratch, fp32"
  run_dir=$(mktemp -d)
  app 120 step "${size[@]}" --steps $steps --parity-steps $parity_steps --shared "$shared" --run-dir "$run_dir" --out "$OUT/step.json" > /dev/null 2>> "$OUT/run.log" || log "  step timing failed"

  log "stage 4: training steps with --fp16"
  app 90 step "${size[@]}" --fp16 --steps $steps --parity-steps 0 --shared "$shared" --out "$OUT/step_fp16.json" > /dev/null 2>> "$OUT/run.log" || log "  fp16 step timing failed"

  # The python3 that has torch (Debian's python3-torch lives in /usr/bin/python3).
  python=""
  for p in python3 /usr/bin/python3; do
    if command -v $p > /dev/null && $p -c 'import torch' 2> /dev/null; then python=$p; break; fi
  done
  if [ -z "$python" ]; then
    log "stage 5: skipped: no python3 with torch"
  elif [ ! -f "$run_dir/batches.json" ]; then
    log "stage 5: skipped: stage 3 left no batches and weights for PyTorch"
  else
    where=$($python -c 'import torch; print(torch.cuda.get_device_name(0) if torch.cuda.is_available() else "the CPU (no CUDA)")' 2> /dev/null)
    log "stage 5: PyTorch $($python -c 'import torch; print(torch.__version__)') on $where, same batches and initial weights"
    torch_part() {
      local seconds part=$2
      seconds=$(limit "$1")
      shift 2
      if [ "$seconds" -lt 5 ]; then log "  skipped torch $part: the time budget is spent"; return; fi
      PYTHONUNBUFFERED=1 timeout "$seconds" $python bench/device/torch_step.py --run-dir "$run_dir" --part "$part" --out "$OUT/torch_$part.json" "$@" > /dev/null 2>> "$OUT/run.log" || log "  torch $part failed"
    }
    torch_part 60 speed
    torch_part 60 amp
    torch_part 60 parity --steps $parity_steps
    torch_part 45 saved
    torch_part 45 sgemm "${tokens[@]}"
  fi

  log "stage 6: host cost per launch on this machine's CPU (bench --only host)"
  app 60 bench --only host --quick "${shapes[@]}" --json "$OUT/host.json" --report "$OUT/host.md" > "$OUT/host.txt" 2>> "$OUT/run.log" || log "  host bench failed"

  log "stage 7: kernel benchmarks"
  quick=()
  [ $cpu = 1 ] && quick=(--quick)
  app 240 bench "${quick[@]}" "${shapes[@]}" "${bench[@]}" --json "$OUT/bench.json" --report "$OUT/bench.md" > "$OUT/bench.txt" 2>> "$OUT/run.log" || log "  bench failed"
fi

log "summary"
timeout $((15 * scale)) "${runner[@]}" "$(entry step)" --summarize "$OUT" > "$OUT/summary.md" 2>> "$OUT/run.log" || log "summary failed"
cat "$OUT/summary.md"
