"""A BERT sentence encoder as an ONNX graph, built from its safetensors weights without PyTorch.

The semantic engine needs only the last layer's word-piece vectors of a BERT model such as
all-MiniLM-L6-v2. Its folder holds `config.json` (the sizes) and `model.safetensors` (the
weights, a small header in JSON then raw arrays): this module reads both with numpy and
writes the standard BERT encoder (embeddings, then per layer self-attention and a
feed-forward block, each followed by a residual sum and layer normalisation; GELU with
erf, as BERT defines it) as ONNX operators, which ONNX Runtime runs on the CPU. So the
engine needs `onnx`, `onnxruntime` and `tokenizers`, not PyTorch; the graph is made in
memory in about a second and gives PyTorch's vectors to float rounding (tested).

Inputs `input_ids` and `attention_mask` (int64, batch × tokens); output `hidden` (float32,
batch × tokens × hidden size). Token types are all 0, as for one sentence.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["NotBert", "bert_graph", "read_safetensors"]

_DTYPES = {"F32": np.float32, "F16": np.float16, "BF16": None, "I64": np.int64, "F64": np.float64}


class NotBert(ValueError):
    """The folder does not hold a BERT model this module can build (the message says why)."""


def read_safetensors(path: Path) -> dict[str, np.ndarray]:
    """The arrays of a .safetensors file by name (float16 widened to float32)."""
    with path.open("rb") as handle:
        (size,) = struct.unpack("<Q", handle.read(8))
        header = json.loads(handle.read(size))
        data = handle.read()
    arrays = {}
    for name, meta in header.items():
        if name == "__metadata__":
            continue
        dtype = _DTYPES.get(meta["dtype"])
        if dtype is None:
            raise NotBert(f"{path.name}: weights of type {meta['dtype']} are not supported")
        start, end = meta["data_offsets"]
        array = np.frombuffer(data[start:end], dtype=np.dtype(dtype).newbyteorder("<")).reshape(meta["shape"])
        arrays[name] = array.astype(np.float32) if array.dtype == np.float16 else array
    return arrays


def _weights(folder: Path) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    config_file, weights_file = folder / "config.json", folder / "model.safetensors"
    if not config_file.is_file() or not weights_file.is_file():
        raise NotBert(f"{folder}: no config.json and model.safetensors")
    config = json.loads(config_file.read_text(encoding="utf-8"))
    if config.get("model_type") != "bert" or config.get("position_embedding_type", "absolute") != "absolute":
        raise NotBert(f"{folder}: not a BERT model with absolute positions")
    if config.get("hidden_act", "gelu") != "gelu":
        raise NotBert(f"{folder}: activation {config.get('hidden_act')!r} is not supported")
    weights = read_safetensors(weights_file)
    # A whole BertModel's weights may carry a "bert." prefix.
    if not any(k.startswith("embeddings.") for k in weights):
        weights = {k.split(".", 1)[1]: v for k, v in weights.items() if k.startswith("bert.")}
    return config, weights


def bert_graph(folder: str | Path) -> bytes:
    """The serialised ONNX model of the BERT encoder in `folder` (see module docstring)."""
    from onnx import TensorProto, helper, numpy_helper

    config, w = _weights(Path(folder))
    hidden = int(config["hidden_size"])
    heads = int(config["num_attention_heads"])
    size = hidden // heads
    eps = float(config.get("layer_norm_eps", 1e-12))
    nodes: list[Any] = []
    inits: list[Any] = []
    names: set[str] = set()

    def const(name: str, value: np.ndarray) -> str:
        if name not in names:
            inits.append(numpy_helper.from_array(np.ascontiguousarray(value), name))
            names.add(name)
        return name

    def weight(key: str) -> str:
        if key not in w:
            raise NotBert(f"{folder}: weight {key} is missing")
        return const(key, w[key].astype(np.float32))

    def node(op: str, inputs: list[str], out: str, **attrs: Any) -> str:
        nodes.append(helper.make_node(op, inputs, [out], **attrs))
        return out

    def linear(x: str, key: str, out: str) -> str:
        # PyTorch keeps (out, in): the graph multiplies by the transpose, stored once.
        t = const(f"{key}.weight.T", w[f"{key}.weight"].astype(np.float32).T)
        return node("Add", [node("MatMul", [x, t], f"{out}.mm"), weight(f"{key}.bias")], out)

    def norm(x: str, key: str, out: str) -> str:
        return node(
            "LayerNormalization",
            [x, weight(f"{key}.weight"), weight(f"{key}.bias")],
            out,
            axis=-1,
            epsilon=eps,
        )

    # Embeddings: word + position (0 … tokens-1) + token type 0, then layer normalisation.
    # Positions 0 … tokens-1 as a slice of a row of all positions, the way exported BERT
    # models take them (ONNX Runtime's fusions of the embedding layer expect that form).
    limit = int(config.get("max_position_embeddings", 512))
    tokens = node("Shape", ["input_ids"], "ids.tokens", start=1, end=2)
    positions = node(
        "Slice",
        [
            const("all.positions", np.arange(limit, dtype=np.int64)[None, :]),
            const("zero1", np.array([0], np.int64)),
            tokens,
            const("one1", np.array([1], np.int64)),
        ],
        "positions",
    )
    words = node("Gather", [weight("embeddings.word_embeddings.weight"), "input_ids"], "emb.words")
    places = node("Gather", [weight("embeddings.position_embeddings.weight"), positions], "emb.positions")
    kind = const("emb.type0", w["embeddings.token_type_embeddings.weight"][0].astype(np.float32))
    x = node("Add", [node("Add", [words, places], "emb.sum1"), kind], "emb.sum")
    x = norm(x, "embeddings.LayerNorm", "emb.out")
    # Padding is masked out of attention with a large negative bias: (1 - mask) × -10000.
    mask = node("Cast", ["attention_mask"], "mask.f", to=TensorProto.FLOAT)
    mask = node("Unsqueeze", [mask, const("axes12", np.array([1, 2], np.int64))], "mask.4d")
    bias = node(
        "Mul",
        [
            node("Sub", [const("onef", np.array(1.0, np.float32)), mask], "mask.inv"),
            const("neg", np.array(-10000.0, np.float32)),
        ],
        "mask.bias",
    )
    split_shape = const("split.shape", np.array([0, 0, heads, size], np.int64))
    join_shape = const("join.shape", np.array([0, 0, hidden], np.int64))
    scale = const("scale", np.array(1.0 / np.sqrt(size), np.float32))
    half, root2 = const("half", np.array(0.5, np.float32)), const("root2", np.array(np.sqrt(2.0), np.float32))
    onef = const("onef", np.array(1.0, np.float32))
    for i in range(int(config["num_hidden_layers"])):
        p = f"encoder.layer.{i}"
        q, k, v = (
            node(
                "Transpose",
                [
                    node(
                        "Reshape",
                        [linear(x, f"{p}.attention.self.{n}", f"l{i}.{n}"), split_shape],
                        f"l{i}.{n}.4d",
                    )
                ],
                f"l{i}.{n}.t",
                perm=[0, 2, 1, 3],
            )
            for n in ("query", "key", "value")
        )
        kt = node("Transpose", [k], f"l{i}.kt", perm=[0, 1, 3, 2])
        scores = node("Mul", [node("MatMul", [q, kt], f"l{i}.qk"), scale], f"l{i}.scaled")
        weights = node("Softmax", [node("Add", [scores, bias], f"l{i}.masked")], f"l{i}.probs", axis=-1)
        context = node(
            "Transpose", [node("MatMul", [weights, v], f"l{i}.ctx")], f"l{i}.ctx.t", perm=[0, 2, 1, 3]
        )
        context = node("Reshape", [context, join_shape], f"l{i}.ctx.3d")
        attended = linear(context, f"{p}.attention.output.dense", f"l{i}.att")
        x = norm(node("Add", [attended, x], f"l{i}.res1"), f"{p}.attention.output.LayerNorm", f"l{i}.n1")
        inner = linear(x, f"{p}.intermediate.dense", f"l{i}.ff1")
        erf = node("Erf", [node("Div", [inner, root2], f"l{i}.ff1.s")], f"l{i}.erf")
        gelu = node(
            "Mul",
            [node("Mul", [inner, half], f"l{i}.half"), node("Add", [erf, onef], f"l{i}.erf1")],
            f"l{i}.gelu",
        )
        out = linear(gelu, f"{p}.output.dense", f"l{i}.ff2")
        x = norm(node("Add", [out, x], f"l{i}.res2"), f"{p}.output.LayerNorm", f"l{i}.n2")
    nodes.append(helper.make_node("Identity", [x], ["hidden"]))
    graph = helper.make_graph(
        nodes,
        "bert_encoder",
        [
            helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "tokens"]),
            helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "tokens"]),
        ],
        [helper.make_tensor_value_info("hidden", TensorProto.FLOAT, ["batch", "tokens", hidden])],
        initializer=inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="consult")
    model.ir_version = 8
    return model.SerializeToString()
