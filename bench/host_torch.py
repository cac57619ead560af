"""PyTorch eager's side of `npm run bench -- --only host`: ms per training step of the same tiny
DistilBERT for sequence classification (word + position embeddings, LayerNorm, post-norm layers
of multi-head attention and a GELU FFN, dropout 0.1, [CLS] head), batch and optimizer as
bench/host.ts: cross-entropy, backward, clip_grad_norm_(1.0), AdamW, zero_grad(set_to_none).
Plain torch (no transformers), on the CPU.

It serves samples, so that bench/host.ts can interleave them with its own (the machine's speed
drifts; back-to-back blocks would compare different moments): after three warm-up steps it prints
{"threads"}, then for every line on stdin it runs --steps steps and prints {"ms", "cpuMs"}: the
wall and process CPU ms per step of that sample. It exits at the end of stdin.
"""
import argparse
import json
import sys
import time

import torch
from torch import nn


class Layer(nn.Module):
    def __init__(self, dim, hidden, heads):
        super().__init__()
        self.heads = heads
        self.q_lin, self.k_lin, self.v_lin, self.out_lin = (nn.Linear(dim, dim) for _ in range(4))
        self.sa_layer_norm = nn.LayerNorm(dim, eps=1e-12)
        self.lin1, self.lin2 = nn.Linear(dim, hidden), nn.Linear(hidden, dim)
        self.output_layer_norm = nn.LayerNorm(dim, eps=1e-12)
        self.dropout = nn.Dropout(0.1)

    def forward(self, x, mask):
        b, t, d = x.shape
        split = lambda y: y.view(b, t, self.heads, d // self.heads).transpose(1, 2)
        q, k, v = split(self.q_lin(x)), split(self.k_lin(x)), split(self.v_lin(x))
        scores = (q / (d // self.heads) ** 0.5) @ k.transpose(2, 3)
        scores = scores.masked_fill(mask[:, None, None, :] == 0, torch.finfo(scores.dtype).min)
        weights = self.dropout(scores.softmax(-1))
        context = (weights @ v).transpose(1, 2).reshape(b, t, d)
        x = self.sa_layer_norm(self.out_lin(context) + x)
        return self.output_layer_norm(self.dropout(self.lin2(nn.functional.gelu(self.lin1(x)))) + x)


class DistilBert(nn.Module):
    def __init__(self, a):
        super().__init__()
        self.word_embeddings = nn.Embedding(a.vocab, a.dim, padding_idx=0)
        self.position_embeddings = nn.Embedding(512, a.dim)
        self.norm = nn.LayerNorm(a.dim, eps=1e-12)
        self.layers = nn.ModuleList(Layer(a.dim, a.hidden, a.heads) for _ in range(a.layers))
        self.pre_classifier, self.classifier = nn.Linear(a.dim, a.dim), nn.Linear(a.dim, a.classes)
        self.dropout = nn.Dropout(0.1)

    def forward(self, ids, mask):
        positions = torch.arange(ids.shape[1])
        x = self.dropout(self.norm(self.word_embeddings(ids) + self.position_embeddings(positions)))
        for layer in self.layers:
            x = layer(x, mask)
        return self.classifier(self.dropout(torch.relu(self.pre_classifier(x[:, 0]))))


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    for name in ["layers", "dim", "hidden", "heads", "vocab", "batch", "seq", "classes", "steps"]:
        parser.add_argument(f"--{name}", type=int, required=True)
    a = parser.parse_args()
    torch.manual_seed(0)
    model = DistilBert(a).train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=5e-5, weight_decay=0.01)
    ids = torch.randint(1, a.vocab, (a.batch, a.seq))
    mask = torch.ones(a.batch, a.seq, dtype=torch.long)
    labels = torch.randint(0, a.classes, (a.batch,))

    def step():
        loss = nn.functional.cross_entropy(model(ids, mask), labels)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)

    for _ in range(3):
        step()
    print(json.dumps({"threads": torch.get_num_threads()}), flush=True)
    for _ in sys.stdin:
        start, start_cpu = time.perf_counter(), time.process_time()
        for _ in range(a.steps):
            step()
        wall = 1000 * (time.perf_counter() - start) / a.steps
        cpu = 1000 * (time.process_time() - start_cpu) / a.steps
        print(json.dumps({"ms": wall, "cpuMs": cpu}), flush=True)


if __name__ == "__main__":
    main()
