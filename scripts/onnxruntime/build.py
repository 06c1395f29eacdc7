#!/usr/bin/env python
"""Build an ONNX graph of all-MiniLM-L6-v2 (BERT encoder) + 7-way linear head + ArgMax.

Forms:
  fused    (default) com.microsoft contrib ops, i.e. what onnxruntime's transformer
           optimizer produces: EmbedLayerNormalization, Attention, SkipLayerNormalization,
           BiasGelu.
  standard plain ONNX opset-17 ops (Gather, LayerNormalization, MatMul, Softmax, Erf, ...);
           left to onnxruntime's ORT_ENABLE_ALL optimizer to fuse.

Outputs written to --out (default: target/onnxruntime in the repository):
  model_<form>.onnx        inputs input_ids, attention_mask [B,S] int64 -> tags [B,S] int64
  model_<form>_check.onnx  same, plus output hidden [B,S,384] float (last hidden state)
  model_<form>.opt.onnx    model_<form>.onnx after ORT_ENABLE_ALL (optimized_model_filepath)
"""
import argparse
import json
import os
from collections import Counter

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from safetensors.numpy import load_file

# Paths: the repository's encoder (`quotekit fetch-encoder`, or
# $QUOTEKIT_ENCODER) and the shared PolNeAR dev texts beside the repository;
# built graphs go to target/onnxruntime (git-ignored).
REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
MODEL_DIR = os.environ.get("QUOTEKIT_ENCODER", os.path.join(REPO, "models", "all-MiniLM-L6-v2"))
BUILD_DIR = os.path.join(REPO, "target", "onnxruntime")
N_TAGS = 7
HEAD_SEED = 1234


class G:
    def __init__(self):
        self.nodes, self.inits, self.n = [], [], 0

    def w(self, name, arr):
        self.inits.append(numpy_helper.from_array(np.ascontiguousarray(arr), name))
        return name

    def op(self, op_type, inputs, n_out=1, domain=None, **attrs):
        self.n += 1
        outs = [f"{op_type}_{self.n}_{i}" for i in range(n_out)]
        kw = {"domain": domain} if domain else {}
        self.nodes.append(helper.make_node(op_type, inputs, outs, name=f"{op_type}_{self.n}", **kw, **attrs))
        return outs[0] if n_out == 1 else outs


def load_weights():
    W = load_file(os.path.join(MODEL_DIR, "model.safetensors"))
    # tolerate an optional "bert." prefix
    W = {(k[5:] if k.startswith("bert.") else k): v.astype(np.float32) if v.dtype != np.int64 else v
         for k, v in W.items()}
    cfg = json.load(open(os.path.join(MODEL_DIR, "config.json")))
    return W, cfg


def head_weights(hidden):
    rng = np.random.default_rng(HEAD_SEED)
    Wh = (rng.standard_normal((hidden, N_TAGS)) * 0.05).astype(np.float32)  # [H, 7]
    bh = (rng.standard_normal(N_TAGS) * 0.01).astype(np.float32)
    return Wh, bh



def skip_ln(g, inp, residual, name, W, prefix, eps):
    """com.microsoft SkipLayerNormalization: layer norm of inp + residual + the dense bias."""
    return g.op("SkipLayerNormalization",
                [inp, residual, g.w(f"{name}ln_g", W[prefix + "LayerNorm.weight"]),
                 g.w(f"{name}ln_b", W[prefix + "LayerNorm.bias"]),
                 g.w(f"{name}_b", W[prefix + "dense.bias"])],
                domain="com.microsoft", epsilon=eps)

def build_fused(g, W, cfg, ids, mask):
    H, nh, L, eps = cfg["hidden_size"], cfg["num_attention_heads"], cfg["num_hidden_layers"], cfg["layer_norm_eps"]
    ids32 = g.op("Cast", [ids], to=TensorProto.INT32)
    mask32 = g.op("Cast", [mask], to=TensorProto.INT32)
    # token_type_ids are all zero: fold token_type_embeddings[0] into the position table
    pos = W["embeddings.position_embeddings.weight"] + W["embeddings.token_type_embeddings.weight"][0][None, :]
    x, mask_index = g.op(
        "EmbedLayerNormalization",
        [ids32, "", g.w("word_emb", W["embeddings.word_embeddings.weight"]), g.w("pos_emb", pos), "",
         g.w("emb_ln_g", W["embeddings.LayerNorm.weight"]), g.w("emb_ln_b", W["embeddings.LayerNorm.bias"]), mask32],
        n_out=2, domain="com.microsoft", epsilon=eps)
    for l in range(L):
        p = f"encoder.layer.{l}."
        qkv_w = np.concatenate([W[p + f"attention.self.{n}.weight"].T for n in ("query", "key", "value")], axis=1)
        qkv_b = np.concatenate([W[p + f"attention.self.{n}.bias"] for n in ("query", "key", "value")])
        a = g.op("Attention", [x, g.w(f"l{l}_qkv_w", qkv_w), g.w(f"l{l}_qkv_b", qkv_b), mask_index],
                 domain="com.microsoft", num_heads=nh)
        a = g.op("MatMul", [a, g.w(f"l{l}_ao_w", W[p + "attention.output.dense.weight"].T)])
        x = skip_ln(g, a, x, f"l{l}_a", W, p + "attention.output.", eps)
        f = g.op("MatMul", [x, g.w(f"l{l}_i_w", W[p + "intermediate.dense.weight"].T)])
        f = g.op("BiasGelu", [f, g.w(f"l{l}_i_b", W[p + "intermediate.dense.bias"])], domain="com.microsoft")
        f = g.op("MatMul", [f, g.w(f"l{l}_o_w", W[p + "output.dense.weight"].T)])
        x = skip_ln(g, f, x, f"l{l}_o", W, p + "output.", eps)
    return x


def build_standard(g, W, cfg, ids, mask):
    H, nh, L, eps = cfg["hidden_size"], cfg["num_attention_heads"], cfg["num_hidden_layers"], cfg["layer_norm_eps"]
    dh = H // nh
    # embeddings: word + position(0..S-1) + token_type[0]
    we = g.op("Gather", [g.w("word_emb", W["embeddings.word_embeddings.weight"]), ids])
    shape = g.op("Shape", [ids])
    seq = g.op("Slice", [shape, g.w("c_1", np.array([1], np.int64)), g.w("c_2", np.array([2], np.int64))])
    pos = W["embeddings.position_embeddings.weight"] + W["embeddings.token_type_embeddings.weight"][0][None, :]
    pe = g.op("Slice", [g.w("pos_emb", pos), g.w("c_0", np.array([0], np.int64)), seq, "c_0"])  # rows 0..S-1
    e = g.op("Add", [we, pe])
    x = g.op("LayerNormalization", [e, g.w("emb_ln_g", W["embeddings.LayerNorm.weight"]),
                                    g.w("emb_ln_b", W["embeddings.LayerNorm.bias"])], axis=-1, epsilon=eps)
    # additive mask [B,1,1,S]: (1-mask)*-10000
    mf = g.op("Cast", [mask], to=TensorProto.FLOAT)
    mf = g.op("Unsqueeze", [mf, g.w("ax12", np.array([1, 2], np.int64))])
    mf = g.op("Sub", [g.w("c_onef", np.array(1.0, np.float32)), mf])
    madd = g.op("Mul", [mf, g.w("c_neg", np.array(-10000.0, np.float32))])
    split_shape = g.w("split_shape", np.array([0, 0, nh, dh], np.int64))
    merge_shape = g.w("merge_shape", np.array([0, 0, H], np.int64))
    scale = g.w("c_scale", np.array(1.0 / np.sqrt(dh), np.float32))

    def lin(inp, wname, w, b):
        m = g.op("MatMul", [inp, g.w(wname + "_w", w.T)])
        return g.op("Add", [m, g.w(wname + "_b", b)])

    for l in range(L):
        p = f"encoder.layer.{l}."
        heads = {}
        for n in ("query", "key", "value"):
            t = lin(x, f"l{l}_{n}", W[p + f"attention.self.{n}.weight"], W[p + f"attention.self.{n}.bias"])
            t = g.op("Reshape", [t, split_shape])
            heads[n] = g.op("Transpose", [t], perm=[0, 2, 3, 1] if n == "key" else [0, 2, 1, 3])
        s = g.op("MatMul", [heads["query"], heads["key"]])
        s = g.op("Mul", [s, scale])
        s = g.op("Add", [s, madd])
        pr = g.op("Softmax", [s], axis=-1)
        c = g.op("MatMul", [pr, heads["value"]])
        c = g.op("Transpose", [c], perm=[0, 2, 1, 3])
        c = g.op("Reshape", [c, merge_shape])
        a = lin(c, f"l{l}_ao", W[p + "attention.output.dense.weight"], W[p + "attention.output.dense.bias"])
        a = g.op("Add", [a, x])
        x = g.op("LayerNormalization", [a, g.w(f"l{l}_aln_g", W[p + "attention.output.LayerNorm.weight"]),
                                        g.w(f"l{l}_aln_b", W[p + "attention.output.LayerNorm.bias"])],
                 axis=-1, epsilon=eps)
        f = lin(x, f"l{l}_i", W[p + "intermediate.dense.weight"], W[p + "intermediate.dense.bias"])
        # gelu(x) = x * 0.5 * (1 + erf(x / sqrt(2)))
        t = g.op("Div", [f, g.w(f"l{l}_sqrt2", np.array(np.sqrt(2.0), np.float32))])
        t = g.op("Erf", [t])
        t = g.op("Add", [t, g.w(f"l{l}_one", np.array(1.0, np.float32))])
        t = g.op("Mul", [f, t])
        f = g.op("Mul", [t, g.w(f"l{l}_half", np.array(0.5, np.float32))])
        f = lin(f, f"l{l}_o", W[p + "output.dense.weight"], W[p + "output.dense.bias"])
        f = g.op("Add", [f, x])
        x = g.op("LayerNormalization", [f, g.w(f"l{l}_oln_g", W[p + "output.LayerNorm.weight"]),
                                        g.w(f"l{l}_oln_b", W[p + "output.LayerNorm.bias"])],
                 axis=-1, epsilon=eps)
    return x


def build(form, with_hidden):
    W, cfg = load_weights()
    g = G()
    ids = helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "seq"])
    mask = helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "seq"])
    x = (build_fused if form == "fused" else build_standard)(g, W, cfg, "input_ids", "attention_mask")
    Wh, bh = head_weights(cfg["hidden_size"])
    sc = g.op("MatMul", [x, g.w("head_w", Wh)])
    sc = g.op("Add", [sc, g.w("head_b", bh)])
    tags = g.op("ArgMax", [sc], axis=-1, keepdims=0)
    g.nodes.append(helper.make_node("Identity", [tags], ["tags"], name="tags_out"))
    outputs = [helper.make_tensor_value_info("tags", TensorProto.INT64, ["batch", "seq"])]
    if with_hidden:
        g.nodes.append(helper.make_node("Identity", [x], ["hidden"], name="hidden_out"))
        outputs.append(helper.make_tensor_value_info("hidden", TensorProto.FLOAT, ["batch", "seq", cfg["hidden_size"]]))
    graph = helper.make_graph(g.nodes, f"minilm_{form}", [ids, mask], outputs, initializer=g.inits)
    opsets = [helper.make_opsetid("", 17)]
    if form == "fused":
        opsets.append(helper.make_opsetid("com.microsoft", 1))
    m = helper.make_model(graph, opset_imports=opsets, producer_name="ortbench")
    m.ir_version = 8
    onnx.checker.check_model(m)
    return m


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--form", choices=["fused", "standard", "both"], default="both")
    ap.add_argument("--out", default=BUILD_DIR)
    a = ap.parse_args()
    import onnxruntime as ort
    for form in (["fused", "standard"] if a.form == "both" else [a.form]):
        os.makedirs(a.out, exist_ok=True)
        base = os.path.join(a.out, f"model_{form}")
        onnx.save(build(form, False), base + ".onnx")
        onnx.save(build(form, True), base + "_check.onnx")
        so = ort.SessionOptions()
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        so.optimized_model_filepath = base + ".opt.onnx"
        so.intra_op_num_threads = 1
        ort.InferenceSession(base + ".onnx", so, providers=["CPUExecutionProvider"])
        for fn in (base + ".onnx", base + ".opt.onnx"):
            c = Counter((n.domain or "ai.onnx") + ":" + n.op_type for n in onnx.load(fn).graph.node)
            print(os.path.basename(fn), dict(sorted(c.items())))


if __name__ == "__main__":
    main()
