"""PyTorch's side of the device comparison (bench/device/run.sh): every part in one process (one
`import torch`), each part's JSON file written as soon as the part ends, and the running part's
partial result (with "interrupted": "SIGTERM") when the process is told to stop.

Given the batches and initial weights our engine used (written by bench/device/step.ts into
--run-dir), it trains Hugging Face's DistilBertForSequenceClassification from the same config, eager,
on the same batches (AdamW, clip 1.0, linear decay: the training job's step):

    python3 bench/device/torch_step.py --run-dir DIR [--parts LIST] --out-dir OUT
                                                   (OUT/torch_PART.json for each PART, in this order)
      parity   the first --parity-steps batches, dropout off, attention "eager": the loss at every step
      saved    our trained model folder (DIR/trained) loaded with from_pretrained: its logits on
               DIR/trained/logits.json's batch beside ours
      speed    fp32 (TF32 off), dropout on, attention "sdpa" (PyTorch's fastest eager path):
               ms/step and max_memory_allocated
      amp      the same under autocast fp16 with a GradScaler (the Trainer's fp16=True)
      sgemm    cuBLAS SGEMM (TF32 off) at the bench's matmul shapes (--tokens, --dim, --hidden)

The machine's software is not this repository's: it feature-detects torch (1.13 here, 2.x there:
TF32 switches, GradScaler) and transformers (absent here, 5.x there: attention implementations).
Without CUDA the parts run on the CPU where they can (amp and sgemm report why not), and without
transformers the model is test/fixtures/make_parity_fixture.py's plain-torch port of it.
DIR holds config.json, batches.json and model.safetensors (our initial weights).
"""
import argparse
import importlib.util
import json
import os
import signal
import struct
import sys
import time
import types

import torch

PARTS = ["parity", "saved", "speed", "amp", "sgemm"]
DTYPES = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16}
HERE = os.path.dirname(os.path.abspath(__file__))


def load_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, meta in header.items():
        if name == "__metadata__":
            continue
        begin, end = meta["data_offsets"]
        t = torch.frombuffer(bytearray(data[begin:end]), dtype=DTYPES[meta["dtype"]])
        out[name] = t.reshape(meta["shape"]).float()
    return out


def true_fp32():
    """fp32 matmuls without TF32, through whichever switch this torch has (2.9 replaced allow_tf32;
    the two must not be mixed)."""
    matmul = torch.backends.cuda.matmul
    if hasattr(matmul, "fp32_precision"):
        matmul.fp32_precision = "ieee"
        return "torch.backends.cuda.matmul.fp32_precision = 'ieee'"
    matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    return "torch.backends.cuda.matmul.allow_tf32 = False"


def grad_scaler():
    """torch.amp.GradScaler("cuda") where it exists (torch >= 2.3), else torch.cuda.amp's."""
    if hasattr(torch, "amp") and hasattr(torch.amp, "GradScaler"):
        return torch.amp.GradScaler("cuda")
    return torch.cuda.amp.GradScaler()


def plain_torch_model(config):
    """The fixture script's line-by-line port of transformers' DistilBERT, returning HF-style outputs."""
    path = os.path.join(HERE, "..", "..", "test", "fixtures", "make_parity_fixture.py")
    spec = importlib.util.spec_from_file_location("parity_fixture", path)
    fixture = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(fixture)

    class Wrapped(fixture.DistilBertForSequenceClassification):
        def forward(self, input_ids, attention_mask, labels):
            loss, logits, _ = super().forward(input_ids, attention_mask, labels)
            return types.SimpleNamespace(loss=loss, logits=logits)

    return Wrapped(config)


def transformers_or_none():
    try:
        import transformers
    except ImportError:
        return None
    return transformers


def make_model(config, attention):
    """transformers' model with the `attention` implementation where transformers offers a choice
    (4.36 and later), else its only one; the plain-torch port without transformers."""
    transformers = transformers_or_none()
    if transformers is None:
        return plain_torch_model(config), "plain torch (transformers not installed)"
    cfg = transformers.DistilBertConfig(**{k: v for k, v in config.items() if k != "architectures"})
    cls = transformers.DistilBertForSequenceClassification
    try:
        model = cls._from_config(cfg, attn_implementation=attention)
    except (TypeError, ValueError, AttributeError):
        model = cls(cfg)
    used = getattr(model.config, "_attn_implementation", "eager")
    return model, f"transformers {transformers.__version__}, attention {used}"


def to_device(batch, device):
    return (torch.tensor(batch["ids"], device=device), torch.tensor(batch["mask"], device=device),
            torch.tensor(batch["labels"], device=device))


def synchronize(device):
    if device == "cuda":
        torch.cuda.synchronize()


def train(record, run_dir, config, batches, device, steps, dropout, attention, amp=False):
    """Our training job's step on each batch: forward, cross-entropy, backward, clip 1.0, AdamW, linear
    decay over the steps. Fills `record` as it goes: the losses and ms per step so far, then their
    median and the peak of allocated memory."""
    torch.manual_seed(batches.get("seed", 42))
    model, implementation = make_model(config, attention)
    missing, unexpected = model.load_state_dict(load_safetensors(os.path.join(run_dir, "model.safetensors")), strict=False)
    if unexpected:
        raise SystemExit(f"our weights have names this model lacks: {unexpected}")
    model.to(device).train(dropout)
    opt = torch.optim.AdamW(model.parameters(), lr=batches["lr"], betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: max(0.0, (steps - s) / steps))
    scaler = grad_scaler() if amp else None
    losses, times = [], []
    # Parameters our weights did not set (position_ids is a buffer, not a weight).
    record.update({"model": implementation, "not_loaded": [m for m in missing if "position_ids" not in m],
                   "losses": losses, "ms_per_step_all": times})
    if device == "cuda":
        torch.cuda.reset_peak_memory_stats()
    for batch in batches["steps"][:steps]:
        ids, mask, labels = to_device(batch, device)
        synchronize(device)
        t0 = time.perf_counter()
        if scaler:
            with torch.autocast("cuda", dtype=torch.float16):
                out = model(input_ids=ids, attention_mask=mask, labels=labels)
            scaler.scale(out.loss).backward()
            scaler.unscale_(opt)
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            scaler.step(opt)
            scaler.update()
        else:
            out = model(input_ids=ids, attention_mask=mask, labels=labels)
            out.loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
        sched.step()
        opt.zero_grad(set_to_none=True)
        synchronize(device)
        times.append((time.perf_counter() - t0) * 1000)
        losses.append(out.loss.item())
    steady = sorted(times[2:] or times)
    record.update({
        "steps": len(times),
        "ms_per_step_median": steady[len(steady) // 2],
        "max_memory_allocated_bytes": torch.cuda.max_memory_allocated() if device == "cuda" else None,
    })


def sgemm(m, k, n, trans_a=False, trans_b=False, repeats=20):
    a = torch.randn(k, m, device="cuda").t() if trans_a else torch.randn(m, k, device="cuda")
    b = torch.randn(n, k, device="cuda").t() if trans_b else torch.randn(k, n, device="cuda")
    for _ in range(3):
        a @ b
    torch.cuda.synchronize()
    times = []
    for _ in range(repeats):
        start = torch.cuda.Event(enable_timing=True)
        stop = torch.cuda.Event(enable_timing=True)
        start.record()
        a @ b
        stop.record()
        torch.cuda.synchronize()
        times.append(start.elapsed_time(stop))
    ms = sorted(times)[len(times) // 2]
    return {"m": m, "k": k, "n": n, "transA": trans_a, "transB": trans_b, "ms": ms, "gflops": 2 * m * k * n / ms / 1e6}


def sgemm_shapes(t, d, h):
    """The bench's matmuls for T tokens, dim D, FFN H: forward x·W, and the backward's dX and dW."""
    return [(t, d, d), (t, d, h), (t, h, d), (t, d, d, False, True), (d, t, d, True, False),
            (t, h, d, False, True), (h, t, d, True, False)]


def saved(run_dir, device):
    """Our trained model folder through from_pretrained (the plain port without transformers)."""
    folder = os.path.join(run_dir, "trained")
    if not os.path.exists(os.path.join(folder, "logits.json")):
        return {"skipped": "no trained model folder: the fp32 step stage did not finish its parity steps"}
    ours = json.load(open(os.path.join(folder, "logits.json")))
    transformers = transformers_or_none()
    if transformers is None:
        model = plain_torch_model(json.load(open(os.path.join(folder, "config.json"))))
        model.load_state_dict(load_safetensors(os.path.join(folder, "model.safetensors")), strict=False)
        loader = "plain torch load_state_dict (transformers not installed)"
    else:
        cls = transformers.DistilBertForSequenceClassification
        try:
            model = cls.from_pretrained(folder, attn_implementation="eager")
        except TypeError:
            model = cls.from_pretrained(folder)
        loader = f"transformers {transformers.__version__} from_pretrained"
    model.to(device).eval()
    ids, mask, labels = to_device(ours, device)
    with torch.no_grad():
        logits = model(input_ids=ids, attention_mask=mask, labels=labels).logits.float().cpu()
    diff = (logits.double() - torch.tensor(ours["logits"], dtype=torch.float64)).abs().max().item()
    return {"loader": loader, "logits": logits.tolist(), "max_abs_diff": diff}


class Stopped(Exception):
    """SIGTERM arrived: the running part writes what it has."""


def stop(signum, frame):
    raise Stopped()


def write(path, result):
    """Writes JSON through a temporary file, so that the file is whole or absent."""
    with open(path + ".tmp", "w") as f:
        f.write(json.dumps(result, indent=2) + "\n")
    os.replace(path + ".tmp", path)


def run_part(part, result, args, device, config, batches):
    steps = len(batches["steps"])
    if part in ("amp", "sgemm") and device != "cuda":
        result["skipped"] = f"{part} needs CUDA"
    elif part == "speed":
        train(result, args.run_dir, config, batches, device, steps, dropout=True, attention="sdpa")
    elif part == "amp":
        train(result, args.run_dir, config, batches, device, steps, dropout=True, attention="sdpa", amp=True)
    elif part == "parity":
        train(result, args.run_dir, config, batches, device, min(args.parity_steps or steps, steps), dropout=False, attention="eager")
    elif part == "sgemm":
        result["sgemm"] = []
        for shape in sgemm_shapes(args.tokens, args.dim, args.hidden):
            result["sgemm"].append(sgemm(*shape))
    else:
        result.update(saved(args.run_dir, device))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--run-dir", required=True)
    parser.add_argument("--parts", default=",".join(PARTS), help=f"comma-separated, run in this order (default {','.join(PARTS)})")
    parser.add_argument("--out-dir", required=True)
    parser.add_argument("--parity-steps", type=int, default=None, help="parity: batches to train on (default all)")
    parser.add_argument("--tokens", type=int, default=4096, help="sgemm: tokens per batch (batch x sequence)")
    parser.add_argument("--dim", type=int, default=768)
    parser.add_argument("--hidden", type=int, default=3072)
    args = parser.parse_args()
    parts = [p.strip() for p in args.parts.split(",") if p.strip()]
    for part in parts:
        if part not in PARTS:
            parser.error(f"--parts: unknown part {part!r} (known: {', '.join(PARTS)})")
    signal.signal(signal.SIGTERM, stop)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    base = {"device": torch.cuda.get_device_name(0) if device == "cuda" else "cpu", "torch": torch.__version__}
    if device == "cuda":
        base["fp32"] = true_fp32()
    print(f"PyTorch {torch.__version__} on {base['device']}: {', '.join(parts)}", file=sys.stderr, flush=True)
    config = json.load(open(os.path.join(args.run_dir, "config.json")))
    batches = json.load(open(os.path.join(args.run_dir, "batches.json")))
    failed = False
    for part in parts:
        result = dict(base)
        path = os.path.join(args.out_dir, f"torch_{part}.json")
        try:
            run_part(part, result, args, device, config, batches)
        except Stopped:
            write(path, {**result, "interrupted": "SIGTERM"})
            print(f"torch {part}: stopped by SIGTERM; its partial result is in {path}", file=sys.stderr)
            sys.exit(143)
        except Exception as err:  # one part's failure leaves the others to run
            failed = True
            result["error"] = f"{type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}"
            print(f"torch {part} failed: {result['error']}", file=sys.stderr, flush=True)
        write(path, result)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
