"""PyTorch's side of the device comparison (run on the GPU machine, which has torch + transformers).

Given the batches and initial weights our engine used (written by bench/device/step.ts), it trains
Hugging Face's DistilBertForSequenceClassification from the same config, fp32, eager, on the same
batches, and reports ms/step, peak memory, the loss at every step (for parity, with dropout off),
and cuBLAS SGEMM throughput at the benchmark's matmul shapes (TF32 off: true fp32).

    python3 bench/device/torch_step.py --run-dir DIR [--out FILE]
Without CUDA or transformers (a CPU-only machine with python3-torch), only the parity run is made,
on the CPU, with the plain-torch DistilBERT of test/fixtures/make_parity_fixture.py.
DIR holds config.json, batches.json and model.safetensors (our initial weights).
"""
import argparse
import json
import os
import struct
import time

import torch

DTYPES = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16}


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


def sgemm_gflops(m, k, n, trans_a=False, trans_b=False, repeats=20):
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


def hf_model(config):
    from transformers import DistilBertConfig, DistilBertForSequenceClassification

    cfg = DistilBertConfig(**{k: v for k, v in config.items() if k not in ("architectures",)})
    return DistilBertForSequenceClassification(cfg)


def plain_torch_model(config):
    """The fixture script's line-by-line port of transformers' DistilBERT, returning HF-style outputs."""
    import importlib.util
    import types

    here = os.path.dirname(os.path.abspath(__file__))
    path = os.path.join(here, "..", "..", "test", "fixtures", "make_parity_fixture.py")
    spec = importlib.util.spec_from_file_location("parity_fixture", path)
    fixture = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(fixture)

    class Wrapped(fixture.DistilBertForSequenceClassification):
        def forward(self, input_ids, attention_mask, labels):
            loss, logits, _ = super().forward(input_ids, attention_mask, labels)
            return types.SimpleNamespace(loss=loss, logits=logits)

    return Wrapped(config)


def train(run_dir, config, batches, parity, device):
    torch.manual_seed(batches.get("seed", 42))
    model = (hf_model(config) if device == "cuda" else plain_torch_model(config)).to(device)
    init = os.path.join(run_dir, "model.safetensors")
    if os.path.exists(init):
        missing, unexpected = model.load_state_dict(load_safetensors(init), strict=False)
        assert not unexpected, unexpected
        assert all("position_ids" in m for m in missing), missing
    model.train(not parity)
    if parity:
        model.eval()  # dropout off, as our --no-dropout
    opt = torch.optim.AdamW(model.parameters(), lr=batches["lr"], betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0)
    steps = batches["steps"]
    total = len(steps)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: max(0.0, (total - s) / total))
    losses, times = [], []
    cuda = device == "cuda"
    if cuda:
        torch.cuda.reset_peak_memory_stats()
    for batch in steps:
        ids = torch.tensor(batch["ids"], device=device)
        mask = torch.tensor(batch["mask"], device=device)
        labels = torch.tensor(batch["labels"], device=device)
        if cuda:
            torch.cuda.synchronize()
        t0 = time.perf_counter()
        out = model(input_ids=ids, attention_mask=mask, labels=labels)
        out.loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        opt.zero_grad(set_to_none=True)
        if cuda:
            torch.cuda.synchronize()
        times.append((time.perf_counter() - t0) * 1000)
        losses.append(out.loss.item())
    steady = sorted(times[2:] or times)
    return {
        "losses": losses,
        "ms_per_step_median": steady[len(steady) // 2],
        "ms_per_step_all": times,
        "max_memory_allocated_bytes": torch.cuda.max_memory_allocated() if cuda else None,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--run-dir", required=True)
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    config = json.load(open(os.path.join(args.run_dir, "config.json")))
    batches = json.load(open(os.path.join(args.run_dir, "batches.json")))
    if not torch.cuda.is_available():
        result = {"device": "cpu", "torch": torch.__version__, "parity": train(args.run_dir, config, batches, True, "cpu")}
        text = json.dumps(result, indent=2)
        if args.out:
            open(args.out, "w").write(text + "\n")
        print(text)
        return
    result = {
        "device": torch.cuda.get_device_name(0),
        "torch": torch.__version__,
        "speed": train(args.run_dir, config, batches, False, "cuda"),
        "parity": train(args.run_dir, config, batches, True, "cuda"),
        "sgemm": [
            sgemm_gflops(*shape)
            for shape in [
                (4096, 768, 768), (4096, 768, 3072), (4096, 3072, 768),
                (4096, 768, 768, False, True), (768, 4096, 768, True, False),
                (4096, 3072, 768, False, True), (3072, 4096, 768, True, False),
            ]
        ],
    }
    text = json.dumps(result, indent=2)
    if args.out:
        open(args.out, "w").write(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
