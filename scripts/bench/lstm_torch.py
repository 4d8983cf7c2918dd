#!/usr/bin/python3
"""PyTorch peer for scripts/bench_lstm.sh: the same model as configs/sst2_lstm.yaml
(embedding 64 -> LSTM 128 -> dense softmax, Adam lr 1e-3, batch 64, maxlen 64),
trained on the same CSV files, timed per epoch.

Tokenization approximates textclf's (lower-case, runs of word characters, an
apostrophe inside a word kept); the vocabulary keeps words seen at least
min_count times, 0 = padding, 1 = OOV, like textclf.  Batches are padded to
their longest row (capped at maxlen), like textclf; rows are pre-padded so
nn.LSTM's last output is the state after the last real token.

Prints one JSON line: seconds per epoch, tokens/s, test accuracy, vocabulary size.
"""
import argparse, csv, json, re, resource, sys, time

import torch
import torch.nn as nn

WORD = re.compile(r"\w+(?:'\w+)*|n't", re.UNICODE)


def read(path):
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    head = rows[0]
    li, ti = head.index("label"), head.index("text")
    return [(r[li], WORD.findall(r[ti].lower())) for r in rows[1:]]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--train", required=True)
    ap.add_argument("--test", required=True)
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--maxlen", type=int, default=64)
    ap.add_argument("--min-count", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--bucket", action="store_true",
                    help="textclf's train.bucket: windows of 32 batches sorted by length, batches shuffled")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)

    train, test = read(a.train), read(a.test)
    counts = {}
    for _, toks in train:
        for t in toks:
            counts[t] = counts.get(t, 0) + 1
    words = sorted((w for w in counts if counts[w] >= a.min_count), key=lambda w: -counts[w])
    ids = {w: i + 2 for i, w in enumerate(words)}
    labels = sorted({l for l, _ in train})
    lab = {l: i for i, l in enumerate(labels)}

    def encode(data):
        out = []
        for l, toks in data:
            seq = [ids.get(t, 1) for t in toks][-a.maxlen:]
            out.append((lab.get(l, 0), seq))
        return out

    tr, te = encode(train), encode(test)
    ntokens = sum(len(s) for _, s in tr)

    class Net(nn.Module):
        def __init__(self, V):
            super().__init__()
            self.emb = nn.Embedding(V, 64, padding_idx=0)
            self.lstm = nn.LSTM(64, 128, batch_first=True)
            self.out = nn.Linear(128, len(labels))

        def forward(self, x):
            h, _ = self.lstm(self.emb(x))
            return self.out(h[:, -1, :])

    net = Net(len(words) + 2)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3, eps=1e-7)
    lossf = nn.CrossEntropyLoss()

    def batch(rows):
        T = max(1, max(len(s) for _, s in rows))
        x = torch.zeros(len(rows), T, dtype=torch.long)
        for i, (_, s) in enumerate(rows):
            if s:
                x[i, T - len(s):] = torch.tensor(s)
        return x, torch.tensor([l for l, _ in rows])

    def batches(order):
        """Row indices per batch, as textclf forms them (see tc_batch_bucket)."""
        if not a.bucket:
            return [order[i:i + 64] for i in range(0, len(order), 64)]
        w = 64 * 32
        order = [j for at in range(0, len(order), w)
                 for j in sorted(order[at:at + w], key=lambda r: len(tr[r][1]))]
        bs = [order[i:i + 64] for i in range(0, len(order), 64)]
        last = [bs.pop()] if len(order) % 64 else []
        perm = torch.randperm(len(bs), generator=g).tolist()
        return [bs[p] for p in perm] + last

    g = torch.Generator().manual_seed(a.seed)
    secs = []
    for ep in range(a.epochs):
        order = torch.randperm(len(tr), generator=g).tolist()
        t0 = time.perf_counter()
        net.train()
        for rows in batches(order):
            x, y = batch([tr[j] for j in rows])
            opt.zero_grad()
            loss = lossf(net(x), y)
            loss.backward()
            opt.step()
        secs.append(time.perf_counter() - t0)
    net.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(te), 256):
            x, y = batch(te[i:i + 256])
            correct += (net(x).argmax(1) == y).sum().item()
    print(json.dumps({
        "program": "pytorch", "threads": a.threads, "bucket": a.bucket, "epoch_seconds": secs,
        "tokens_per_s": ntokens / (sum(secs) / len(secs)), "test_accuracy": correct / len(te),
        "vocab": len(words) + 2, "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "torch": torch.__version__,
    }))


if __name__ == "__main__":
    sys.exit(main())
