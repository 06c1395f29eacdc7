#!/usr/bin/env python
"""Tokenization-to-argmax throughput of the ONNX MiniLM tagger over the polnear dev articles."""
import argparse
import glob
import os
import platform
import time

import numpy as np
import onnxruntime as ort
from tokenizers import Tokenizer

from build import BUILD_DIR, MODEL_DIR, REPO  # noqa: E402  (paths, one place)
TEXT_GLOB = os.path.join(REPO, "..", "shared", "datasets", "polnear", "dev", "text", "*.txt")
WORDS = 67609
WIN, STRIDE = 254, 192  # pieces per window (before [CLS]/[SEP]), window start step


def windows(ids):
    """Windows of at most WIN pieces starting every STRIDE pieces; the last one ends at the text's end."""
    out, n = [], len(ids)
    start = 0
    while start < n:
        end = min(start + WIN, n)
        out.append(ids[start:end])
        if end == n:
            break
        start += STRIDE
    return out


def run_article(tok, sess, text, cls, sep):
    ids = tok.encode(text, add_special_tokens=False).ids
    ws = windows(ids)
    if not ws:
        return 0, 0, None
    S = max(len(w) for w in ws) + 2
    inp = np.zeros((len(ws), S), np.int64)
    msk = np.zeros((len(ws), S), np.int64)
    for i, w in enumerate(ws):
        inp[i, 0] = cls
        inp[i, 1:len(w) + 1] = w
        inp[i, len(w) + 1] = sep
        msk[i, :len(w) + 2] = 1
    tags = sess.run(["tags"], {"input_ids": inp, "attention_mask": msk})[0]
    return len(ids), len(ws), tags


def cpu_flags():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("flags"):
                return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--model", default=os.path.join(BUILD_DIR, "model_fused.onnx"))
    a = ap.parse_args()

    print("onnxruntime", ort.__version__, "| device", ort.get_device(), "|", ort.get_build_info())
    print("providers", ort.get_available_providers())
    fl = cpu_flags()
    avx512 = sorted(f for f in fl if f.startswith("avx512"))
    print("CPU", platform.processor() or platform.machine(), "| /proc/cpuinfo AVX-512:",
          ("yes (" + ",".join(avx512) + ")") if avx512 else "no",
          "| onnxruntime exposes no AVX-512 flag; MLAS selects kernels by CPUID at run time")

    tok = Tokenizer.from_file(os.path.join(MODEL_DIR, "tokenizer.json"))
    tok.no_truncation()  # tokenizer.json ships truncation/padding at 128; disable both
    tok.no_padding()
    cls, sep = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")

    so = ort.SessionOptions()
    so.intra_op_num_threads = a.threads
    so.inter_op_num_threads = 1
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    sess = ort.InferenceSession(a.model, so, providers=["CPUExecutionProvider"])

    files = sorted(glob.glob(TEXT_GLOB))
    texts = [open(f, encoding="utf-8").read() for f in files]

    for t in texts[:5]:  # untimed warm-up
        run_article(tok, sess, t, cls, sep)

    pieces = nwin = ntok = 0
    t0 = time.perf_counter()
    for t in texts:
        p, w, tags = run_article(tok, sess, t, cls, sep)
        pieces += p
        nwin += w
        ntok += 0 if tags is None else tags.size
    dt = time.perf_counter() - t0

    print(f"model {os.path.basename(a.model)} | threads intra={a.threads} inter=1 | articles {len(texts)}")
    print(f"seconds {dt:.3f} | pieces {pieces} | windows {nwin} | words/s {WORDS / dt:.1f} "
          f"(words={WORDS}) | pieces/s {pieces / dt:.1f}")


if __name__ == "__main__":
    main()
