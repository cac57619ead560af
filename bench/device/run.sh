#!/usr/bin/env bash
# The device kit: what this engine does on a GPU, measured in one short run, for anyone with a GPU
# machine (and the one command run on a lent one, after bench/device/prepare.sh filled .carry/):
#   bash bench/device/run.sh [--smoke] [--out DIR]
# Everything it learns goes to DIR (--out; else $OUT; else ./out), one file per stage, each stage's
# file written as the stage goes (and once more when the stage is stopped), so a stage that fails,
# hangs or is cut at its time limit still leaves the files of the stages before it, its own
# results so far, and the summary. Stages run in this order, each under its own time limit, cut
# further so that the whole run ends within its budget (full: 9.5 minutes, inside one 10-minute
# device call; --smoke: under 5 minutes):
#   1 the adapter: features, limits, subgroup-matrix configs (also with allow_unsafe_apis and
#     vulkan_enable_f16_on_nvidia)                                                -> adapter.json
#     The kit stops here, with one line, when the adapter is a CPU implementation (lavapipe,
#     SwiftShader) or there is none, unless --cpu asks for the dry run.
#   2 the kernels: full: npm run tune --quick at the training shapes (the later stages use its
#     table, kept in DIR/cache)                                  -> tune.txt, cache/…/tune-*.json
#     then every kernel variant validated and timed, the peers, the step profile and the host
#     cost per launch (bench; --smoke: bench --quick)                 -> bench.json, bench.md
#   3 training steps of DistilBERT from scratch, batch 64, fp32 (ENGINE_SUBGROUP_MATRIX=0):
#     ms/step, tokens/s, peak memory; full: also 20 steps with dropout off for parity, and the
#     trained model folder                                                        -> step.json
#     full: the same with --fp16                                                  -> step_fp16.json
#   4 full: PyTorch on the same GPU, batches and initial weights, all parts in one process: the
#     parity steps (eager attention); our trained folder through from_pretrained, its logits
#     beside ours; eager fp32 (TF32 off, sdpa) and AMP fp16 (autocast + GradScaler): ms/step,
#     max_memory_allocated; cuBLAS SGEMM at the bench's shapes
#                                              -> torch_{parity,saved,speed,amp,sgemm}.json
#   summary: the markdown comparison, and each stage's outcome and files      -> summary.md
# run.log has every stage's outcome (done, failed, cut at its limit, skipped) and its files.
#   --cpu        the dry run on a machine without a GPU (lavapipe, llvmpipe): the same stages on a
#                tiny model with few steps and one cheap kernel group, no tune, PyTorch on the CPU
#   --no-limits  no time limits (the test suite's dry run: its verdict must not depend on speed)
set -uo pipefail
cd "$(dirname "$0")/../.."
usage="usage: bash bench/device/run.sh [--smoke] [--cpu] [--no-limits] [--out DIR]"
OUT=${OUT:-$PWD/out}
cpu=0
smoke=0
limits=1
while [ $# -gt 0 ]; do
  case $1 in
    --cpu) cpu=1 ;;
    --smoke) smoke=1 ;;
    --no-limits) limits=0 ;;
    --out) [ $# -ge 2 ] || { echo "$usage" >&2; exit 2; }; OUT=$2; shift ;;
    --out=*) OUT=${1#--out=} ;;
    -h|--help) sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "$usage" >&2; exit 2 ;;
  esac
  shift
done
mkdir -p "$OUT" && OUT=$(cd "$OUT" && pwd) || { echo "run.sh: cannot create the output folder $OUT" >&2; exit 2; }
log() { echo "[$(date +%T)] $*" | tee -a "$OUT/run.log" >&2; }

budget=$([ $smoke = 1 ] && echo 290 || echo 570)
# On a CPU adapter everything is slower (and the limits are the GPU machine's): twice the time.
scale=$([ $cpu = 1 ] && echo 2 || echo 1)
deadline=$((SECONDS + budget * scale))

if [ -f .carry/node.xz ] && ! command -v node > /dev/null; then
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
# The kit's tuned kernel table lives in DIR, never in the user's cache (engine/tuning.ts reads
# $XDG_CACHE_HOME); Mesa keeps its compiled shaders where they were.
export MESA_SHADER_CACHE_DIR=${MESA_SHADER_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}}
export XDG_CACHE_HOME=$OUT/cache

# Entry points: bundled in .carry/app when carried, else run from the sources through tsx (node
# itself, not npx, so that a stop signal reaches the stage).
declare -A source=([bench]=bench/bench.ts [probe]=bench/device/probe.ts [step]=bench/device/step.ts [tune]=bench/tune.ts)
if [ -d .carry/app ]; then
  app() { echo node ".carry/app/$1.mjs"; }
  shared=.carry/shared
else
  app() { echo node --import tsx "${source[$1]}"; }
  shared=../shared
fi

# The stage running now, which a stop signal to the kit is passed on to.
stage_pid=
stopped=0
failures=0
trap 'stopped=1; [ -n "$stage_pid" ] && kill -TERM "$stage_pid" 2> /dev/null' TERM INT

# run_stage NAME SECONDS STDOUT FILES COMMAND…: runs COMMAND (stdout to STDOUT, stderr to run.log)
# under the stage's limit: SIGTERM at the limit, which the stage answers by writing what it has,
# SIGKILL 5 s later. Logs the outcome and which of FILES (space-separated, in OUT) exist.
run_stage() {
  local name=$1 want=$2 stdout=$3 files=$4 seconds=0 started=$SECONDS rc
  shift 4
  if [ $stopped = 1 ]; then log "  $name skipped: the kit was stopped"; return 1; fi
  if [ $limits = 1 ]; then
    local left=$((deadline - SECONDS - 15 * scale))
    seconds=$((want * scale < left ? want * scale : left))
    if [ "$seconds" -lt 5 ]; then log "  $name skipped: the time budget is spent"; return 1; fi
  fi
  timeout -k 5 "$seconds" "$@" > "$stdout" 2>> "$OUT/run.log" &
  stage_pid=$!
  log "  $name: pid $stage_pid, $([ "$seconds" = 0 ] && echo 'no time limit' || echo "limit $seconds s")"
  wait "$stage_pid"
  rc=$?
  # A signal to the kit ends the wait early; the stage is still writing its files.
  while kill -0 "$stage_pid" 2> /dev/null; do wait "$stage_pid"; rc=$?; done
  stage_pid=
  local present=() f
  for f in $files; do [ -e "$OUT/$f" ] && present+=("$f"); done
  local outcome
  case $rc in
    0) outcome="done" ;;
    124 | 137) outcome="cut at its $seconds s limit" ;;
    143) outcome="stopped by SIGTERM" ;;
    *) outcome="failed (exit $rc)" ;;
  esac
  log "  $name $outcome after $((SECONDS - started)) s; files: ${present[*]:-none}"
  [ $rc = 0 ] || failures=$((failures + 1))
  return $rc
}

if [ $cpu = 1 ]; then
  # The dry run checks the kit's plumbing, not the kernels (the tests do): a one-layer, 32-wide
  # model, sentences cut at 16 tokens (one batch shape, so one set of kernels), few steps.
  max_length=16
  size=(--dim 32 --layers 1 --heads 2 --hidden-dim 64 --batch-size 8 --max-length $max_length)
  # One cheap kernel group: the bench's other groups, the host profile and the tuner have tests.
  bench=(--quick --only gelu --batch 8 --seq $max_length --dim 32 --hidden 64 --heads 2 --layers 1 --vocab 50)
  tokens=(--tokens 128 --dim 32 --hidden 64)
  steps=3
  parity_steps=2
else
  max_length=128
  size=(--dim 768 --layers 6 --heads 12 --hidden-dim 3072 --batch-size 64 --max-length $max_length)
  bench=()
  [ $smoke = 1 ] && bench=(--quick)
  tokens=(--tokens 4096 --dim 768 --hidden 3072)
  steps=30
  parity_steps=20
fi
if [ $smoke = 1 ]; then
  parity_steps=0
  [ $cpu = 0 ] && steps=10
fi

log "stage 1: the adapter (features, limits, subgroup-matrix configs)"
gpu_only=()
[ $cpu = 0 ] && gpu_only=(--gpu-only)
run_stage probe 20 /dev/null "adapter.json" $(app probe) --out "$OUT/adapter.json" "${gpu_only[@]}"
if [ $? = 3 ]; then
  log "$(grep '^probe: ' "$OUT/run.log" | tail -n 1); the kit stops after the probe (adapter.json). --cpu dry-runs it here."
  exit 3
fi

log "stage 2: the kernels"
if [ $smoke = 0 ] && [ $cpu = 1 ]; then
  log "  tune skipped: under --cpu (a CPU adapter compiles every candidate for minutes; npm run tune has its own test)"
elif [ $smoke = 0 ]; then
  run_stage tune 60 "$OUT/tune.txt" "tune.txt cache" $(app tune) --quick --batch 64 --max-length $max_length \
    --data "$shared/data/rotten_tomatoes" --model "$shared/models/distilbert-base-uncased"
fi
run_stage bench 170 "$OUT/bench.txt" "bench.json bench.md bench.txt" $(app bench) "${bench[@]}" --json "$OUT/bench.json" --report "$OUT/bench.md"

log "stage 3: $steps training steps of DistilBERT from scratch"
run_dir=$OUT/run
mkdir -p "$run_dir"
ENGINE_SUBGROUP_MATRIX=0 run_stage "step fp32" 110 /dev/null "step.json" $(app step) "${size[@]}" --steps $steps \
  --parity-steps $parity_steps --shared "$shared" --run-dir "$run_dir" --out "$OUT/step.json"
if [ $smoke = 0 ]; then
  if grep -q '"shader-f16"' "$OUT/adapter.json" 2> /dev/null; then
    run_stage "step fp16" 80 /dev/null "step_fp16.json" $(app step) "${size[@]}" --fp16 --steps $steps --parity-steps 0 \
      --shared "$shared" --out "$OUT/step_fp16.json"
  else
    log "  step fp16 skipped: the adapter has no shader-f16"
  fi
fi

if [ $smoke = 0 ]; then
  # The python3 that has torch (Debian's python3-torch lives in /usr/bin/python3), found without
  # importing it: one import, in the stage, is all the PyTorch start-up the kit pays.
  python=""
  for p in python3 /usr/bin/python3; do
    if command -v $p > /dev/null && $p -c 'import importlib.util, sys; sys.exit(importlib.util.find_spec("torch") is None)' 2> /dev/null; then
      python=$p
      break
    fi
  done
  if [ -z "$python" ]; then
    log "stage 4: PyTorch skipped: no python3 with torch"
  elif [ ! -f "$run_dir/batches.json" ]; then
    log "stage 4: PyTorch skipped: stage 3 left no batches and weights for PyTorch"
  else
    log "stage 4: PyTorch on the same batches and initial weights"
    PYTHONUNBUFFERED=1 run_stage torch 110 /dev/null "torch_parity.json torch_saved.json torch_speed.json torch_amp.json torch_sgemm.json" \
      $python bench/device/torch_step.py --run-dir "$run_dir" --out-dir "$OUT" --parity-steps $parity_steps "${tokens[@]}"
  fi
fi

log "summary"
$(app step) --summarize "$OUT" > "$OUT/summary.md" 2>> "$OUT/run.log" || log "summary failed"
cat "$OUT/summary.md"
[ $failures = 0 ] && [ $stopped = 0 ]
