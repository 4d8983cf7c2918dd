#!/usr/bin/python3
"""Helpers for comparing textclf with fastText on a multi-label CSV corpus
(used by scripts/compare_goemotions.sh; plain Python 3, no packages).

  ft_multilabel.py convert IN.csv OUT.txt [LABEL_COL TEXT_COL SEP]
      CSV (header; labels joined with SEP, default "|") -> fastText lines
      "__label__a __label__b text"; the text is lower-cased and punctuation is
      split off, since fastText only splits on whitespace.
  ft_multilabel.py score VALID.csv VALID.probs TEST.csv TEST.probs
      reads `fasttext predict-prob MODEL FILE -1 0` output for the valid and
      test files and prints micro/macro F1 on TEST at threshold 0.5 and with
      per-label thresholds tuned on VALID (each label's F1-best cut, halfway
      between the lowest kept and the highest left-out probability: the rule
      textclf's eval --tune-thresholds uses).
"""
import csv
import re
import sys

PUNCT = re.compile(r"([^\w\s'])", re.UNICODE)


def labels_of(path, label_col="labels", sep="|"):
    with open(path, newline="", encoding="utf-8") as f:
        return [[x.strip() for x in row[label_col].split(sep) if x.strip()] for row in csv.DictReader(f)]


def convert(src, dst, label_col="labels", text_col="text", sep="|"):
    with open(src, newline="", encoding="utf-8") as f, open(dst, "w", encoding="utf-8") as out:
        for row in csv.DictReader(f):
            labs = [x.strip() for x in row[label_col].split(sep) if x.strip()]
            text = PUNCT.sub(r" \1 ", row[text_col].lower())
            text = " ".join(text.split())
            out.write(" ".join("__label__" + l for l in labs) + " " + text + "\n")


def read_probs(path):
    rows = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            t = line.split()
            rows.append({t[i][len("__label__"):]: float(t[i + 1]) for i in range(0, len(t) - 1, 2)})
    return rows


def f1_scores(truth, probs, labels, thr):
    tp = {l: 0 for l in labels}
    fp = dict(tp)
    fn = dict(tp)
    for t, p in zip(truth, probs):
        for l in labels:
            pred = p.get(l, 0.0) >= thr[l]
            if pred and l in t:
                tp[l] += 1
            elif pred:
                fp[l] += 1
            elif l in t:
                fn[l] += 1
    f1 = [2 * tp[l] / (2 * tp[l] + fp[l] + fn[l]) if tp[l] + fp[l] + fn[l] else 0.0 for l in labels]
    T, P, N = sum(tp.values()), sum(fp.values()), sum(fn.values())
    return 2 * T / (2 * T + P + N), sum(f1) / len(labels)


def tune(truth, probs, label):
    s = sorted(((p.get(label, 0.0), label in t) for t, p in zip(truth, probs)), reverse=True)
    pos = sum(1 for _, y in s if y)
    if pos < 5:  # as textclf (TC_TUNE_MIN_POSITIVES): a cut of a few rows does not carry over
        return 0.5
    best, cut, tp = -1.0, 0, 0
    for i, (p, y) in enumerate(s):
        tp += y
        if i + 1 < len(s) and s[i + 1][0] == p:
            continue
        f = 2 * tp / (i + 1 + pos)
        if f > best:
            best, cut = f, i
    lo = s[cut][0]
    return lo if cut + 1 == len(s) else (lo + s[cut + 1][0]) / 2


def score(valid_csv, valid_probs, test_csv, test_probs):
    vt, tt = labels_of(valid_csv), labels_of(test_csv)
    vp, tp = read_probs(valid_probs), read_probs(test_probs)
    labels = sorted({l for t in vt + tt for l in t})
    flat = {l: 0.5 for l in labels}
    tuned = {l: tune(vt, vp, l) for l in labels}
    for name, thr in (("threshold 0.5", flat), ("tuned on valid", tuned)):
        mi, ma = f1_scores(tt, tp, labels, thr)
        print("fasttext\t%s\tmicro_f1 %.4f\tmacro_f1 %.4f" % (name, mi, ma))


if __name__ == "__main__":
    if len(sys.argv) >= 4 and sys.argv[1] == "convert":
        convert(*sys.argv[2:])
    elif len(sys.argv) == 6 and sys.argv[1] == "score":
        score(*sys.argv[2:])
    else:
        sys.exit(__doc__)
