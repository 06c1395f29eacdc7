#!/usr/bin/env python
"""Compare the ONNX graph's last hidden state (and tags) with a plain numpy BERT (float64)."""
import argparse
import os
import sys

import numpy as np
import onnxruntime as ort
from math import erf
from tokenizers import Tokenizer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from build import BUILD_DIR, MODEL_DIR, head_weights, load_weights  # noqa: E402

SENTENCES = [
    "Hillary Clinton's campaign said on Monday that the candidate was recovering from pneumonia.",
    "Donald Trump urged supporters in Pennsylvania to watch the polls closely on Election Day, "
    "claiming without evidence that the vote could be rigged against him.",
    "Short one.",
]

_verf = np.vectorize(erf)


def numpy_bert(W, cfg, ids, mask):
    H, nh, eps = cfg["hidden_size"], cfg["num_attention_heads"], cfg["layer_norm_eps"]
    dh = H // nh
    f = lambda k: W[k].astype(np.float64)

    def ln(x, p):
        mu = x.mean(-1, keepdims=True)
        var = ((x - mu) ** 2).mean(-1, keepdims=True)
        return (x - mu) / np.sqrt(var + eps) * f(p + ".weight") + f(p + ".bias")

    def lin(x, p):
        return x @ f(p + ".weight").T + f(p + ".bias")

    B, S = ids.shape
    x = (f("embeddings.word_embeddings.weight")[ids] + f("embeddings.position_embeddings.weight")[np.arange(S)][None]
         + f("embeddings.token_type_embeddings.weight")[np.zeros_like(ids)])
    x = ln(x, "embeddings.LayerNorm")
    add_mask = np.where(mask[:, None, None, :] > 0, 0.0, -1e9)
    for l in range(cfg["num_hidden_layers"]):
        p = f"encoder.layer.{l}."
        sp = lambda t: t.reshape(B, S, nh, dh).transpose(0, 2, 1, 3)
        q, k, v = (sp(lin(x, p + "attention.self." + n)) for n in ("query", "key", "value"))
        s = q @ k.transpose(0, 1, 3, 2) / np.sqrt(dh) + add_mask
        s = np.exp(s - s.max(-1, keepdims=True))
        s /= s.sum(-1, keepdims=True)
        c = (s @ v).transpose(0, 2, 1, 3).reshape(B, S, H)
        x = ln(lin(c, p + "attention.output.dense") + x, p + "attention.output.LayerNorm")
        h = lin(x, p + "intermediate.dense")
        h = 0.5 * h * (1.0 + _verf(h / np.sqrt(2.0)))
        x = ln(lin(h, p + "output.dense") + x, p + "output.LayerNorm")
    return x


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", nargs="+", default=["model_fused_check.onnx", "model_standard_check.onnx"])
    ap.add_argument("--article", action="store_true", help="use the windows of the first dev article with >= 3 windows")
    a = ap.parse_args()
    here = BUILD_DIR
    W, cfg = load_weights()
    tok = Tokenizer.from_file(os.path.join(MODEL_DIR, "tokenizer.json"))
    tok.no_truncation()
    tok.no_padding()
    cls, sep = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    if a.article:
        # windows of the first dev article, exactly as bench.py builds them (up to 256 tokens)
        from bench import TEXT_GLOB, windows
        import glob
        # first article (sorted order) that needs at least 3 windows, so padding is exercised
        for fn in sorted(glob.glob(TEXT_GLOB)):
            ws = windows(tok.encode(open(fn, encoding="utf-8").read(), add_special_tokens=False).ids)
            if len(ws) >= 3:
                break
        print("article", os.path.basename(fn))
        seqs = [[cls] + w + [sep] for w in ws]
    else:
        seqs = [[cls] + tok.encode(s, add_special_tokens=False).ids + [sep] for s in SENTENCES]
    S = max(map(len, seqs))
    ids = np.zeros((len(seqs), S), np.int64)
    mask = np.zeros((len(seqs), S), np.int64)
    for i, s in enumerate(seqs):
        ids[i, :len(s)] = s
        mask[i, :len(s)] = 1
    print("batch", ids.shape, "lengths", [len(s) for s in seqs])
    ref = numpy_bert(W, cfg, ids, mask)
    Wh, bh = head_weights(cfg["hidden_size"])
    ref_tags = np.argmax(ref @ Wh + bh, -1)
    valid = mask.astype(bool)
    ok = True
    for m in a.models:
        so = ort.SessionOptions()
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        so.intra_op_num_threads = 1
        so.inter_op_num_threads = 1
        sess = ort.InferenceSession(os.path.join(here, m), so, providers=["CPUExecutionProvider"])
        tags, hid = sess.run(["tags", "hidden"], {"input_ids": ids, "attention_mask": mask})
        d = np.abs(hid.astype(np.float64) - ref)[valid]
        # each sentence alone (no padding) too
        d_single = 0.0
        for i, s in enumerate(seqs):
            _, h1 = sess.run(["tags", "hidden"], {"input_ids": ids[i:i + 1, :len(s)], "attention_mask": mask[i:i + 1, :len(s)]})
            d_single = max(d_single, float(np.abs(h1[0].astype(np.float64) - ref[i, :len(s)]).max()))
        tag_mismatch = int((tags != ref_tags)[valid].sum())
        print(f"{m}: max|hidden - numpy| over {valid.sum()} valid tokens (padded batch) = {d.max():.3e}, "
              f"mean = {d.mean():.3e}; unpadded single runs max = {d_single:.3e}; "
              f"tag mismatches = {tag_mismatch}/{valid.sum()}")
        ok &= d.max() < 1e-3 and d_single < 1e-3
        bench_model = os.path.join(here, m.replace("_check", ""))
        if bench_model != os.path.join(here, m) and os.path.exists(bench_model):
            s2 = ort.InferenceSession(bench_model, so, providers=["CPUExecutionProvider"])
            t2 = s2.run(["tags"], {"input_ids": ids, "attention_mask": mask})[0]
            print(f"  {os.path.basename(bench_model)} (bench model, tags only): tag mismatches vs numpy = "
                  f"{int((t2 != ref_tags)[valid].sum())}/{valid.sum()}")
    print("PASS" if ok else "FAIL")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
