#!/usr/bin/python3
"""textclf.py — libtextclf from Python through ctypes (standard library only).

    from textclf import Model
    with Model("model.bin") as m:
        print(m.predict("a text"))          # [("label", 0.93)]
        print(m.probs("a text"))            # {"label": 0.93, ...}
        print(m.predict_batch(["a", "b"]))  # [[("label", p)], ...]

The library is found through TEXTCLF_LIB (a path to libtextclf.so.1), else
by the system's loader ("libtextclf.so.1").  Run as a program,
    python3 textclf.py MODEL < texts
it writes "LABEL<TAB>PROB" per input line as `textclf predict MODEL` does.
"""
import ctypes
import os
import sys

ABI = 1


def _load():
    lib = ctypes.CDLL(os.environ.get("TEXTCLF_LIB") or "libtextclf.so.%d" % ABI)
    c_float_p = ctypes.POINTER(ctypes.c_float)
    c_int_p = ctypes.POINTER(ctypes.c_int)
    sig = {
        "textclf_abi_version": (ctypes.c_int, []),
        "textclf_version": (ctypes.c_char_p, []),
        "textclf_open": (ctypes.c_void_p, [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_size_t]),
        "textclf_close": (None, [ctypes.c_void_p]),
        "textclf_errmsg": (ctypes.c_char_p, [ctypes.c_void_p]),
        "textclf_num_labels": (ctypes.c_int, [ctypes.c_void_p]),
        "textclf_label_name": (ctypes.c_char_p, [ctypes.c_void_p, ctypes.c_int]),
        "textclf_is_multilabel": (ctypes.c_int, [ctypes.c_void_p]),
        "textclf_predict_probs": (ctypes.c_int, [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t, c_float_p]),
        "textclf_predict_batch": (ctypes.c_int, [ctypes.c_void_p, ctypes.POINTER(ctypes.c_char_p),
                                                 ctypes.POINTER(ctypes.c_size_t), ctypes.c_size_t, c_float_p]),
        "textclf_decide": (ctypes.c_int, [ctypes.c_void_p, c_float_p, ctypes.c_int, c_int_p, c_float_p]),
    }
    for name, (res, args) in sig.items():
        f = getattr(lib, name)
        f.restype, f.argtypes = res, args
    if lib.textclf_abi_version() != ABI:
        raise OSError("libtextclf has ABI %d, this wrapper needs %d" % (lib.textclf_abi_version(), ABI))
    return lib


_lib = None


class TextclfError(Exception):
    pass


class Model:
    """A model file opened through libtextclf (one per thread)."""

    def __init__(self, path):
        global _lib
        if _lib is None:
            _lib = _load()
        err = ctypes.create_string_buffer(512)
        self._h = _lib.textclf_open(os.fsencode(path), err, len(err))
        if not self._h:
            raise TextclfError(err.value.decode("utf-8", "replace"))
        n = _lib.textclf_num_labels(self._h)
        self.labels = [_lib.textclf_label_name(self._h, i).decode("utf-8", "replace") for i in range(n)]
        self.multilabel = bool(_lib.textclf_is_multilabel(self._h))

    def close(self):
        if self._h:
            _lib.textclf_close(self._h)
            self._h = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        self.close()

    def _fail(self):
        raise TextclfError(_lib.textclf_errmsg(self._h).decode("utf-8", "replace"))

    def _probs_batch(self, texts):
        data = [t.encode("utf-8") if isinstance(t, str) else bytes(t) for t in texts]
        n, L = len(data), len(self.labels)
        ptrs = (ctypes.c_char_p * max(n, 1))(*data)
        lens = (ctypes.c_size_t * max(n, 1))(*[len(d) for d in data])
        out = (ctypes.c_float * max(n * L, 1))()
        if _lib.textclf_predict_batch(self._h, ptrs, lens, n, out) < 0:
            self._fail()
        return data, out

    def _decide(self, out, i, k):
        L = len(self.labels)
        row = ctypes.cast(ctypes.byref(out, i * L * ctypes.sizeof(ctypes.c_float)), ctypes.POINTER(ctypes.c_float))
        ids, ps = (ctypes.c_int * L)(), (ctypes.c_float * L)()
        got = _lib.textclf_decide(self._h, row, k, ids, ps)
        return [(self.labels[ids[j]], ps[j]) for j in range(got)]

    def predict_batch(self, texts, k=None):
        """Per text: a list of (label, probability), best first.  k: how many
        (default 1 for softmax models, every label past its threshold for
        sigmoid models).  A text with no tokens gets the model's prior."""
        kk = (0 if self.multilabel else 1) if k is None else k
        data, out = self._probs_batch(texts)
        return [self._decide(out, i, kk) for i in range(len(data))]

    def predict(self, text, k=None):
        return self.predict_batch([text], k)[0]

    def probs(self, text):
        """Every label's probability: {label: p}."""
        _, out = self._probs_batch([text])
        return dict(zip(self.labels, out[:len(self.labels)]))


def main(argv):
    if len(argv) != 2:
        sys.stderr.write("usage: textclf.py MODEL < texts\n")
        return 2
    try:
        m = Model(argv[1])
    except (TextclfError, OSError) as e:
        sys.stderr.write("textclf.py: %s\n" % e)
        return 1
    lines = sys.stdin.buffer.read().split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    lines = [l[:-1] if l.endswith(b"\r") else l for l in lines]
    out = sys.stdout
    for at in range(0, len(lines), 256):
        chunk = lines[at:at + 256]
        for pred in m.predict_batch(chunk):
            names = "|".join(l for l, _ in pred)
            probs = "|".join("%.5f" % p for _, p in pred)
            out.write("%s\t%s\n" % (names, probs))
    m.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
