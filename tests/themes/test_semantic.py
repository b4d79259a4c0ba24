"""The semantic engine's own parts: IDF pooling weights and the ONNX Runtime path."""

from __future__ import annotations

import json
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
    from analysis.themes.engines import semantic_available

    if not semantic_available():
        pytest.skip("the embeddings extra is not installed")
    from analysis.themes.semantic import SemanticEngine

    return SemanticEngine


def test_onnx_graph_from_the_weights_runs_without_pytorch() -> None:
    _engine_or_skip()
    import subprocess
    import sys

    code = (
        "import sys; from analysis.themes.semantic import SemanticEngine; "
        "v = SemanticEngine(backend='onnx').embed(['The staff were kind', 'Parking is hard']); "
        "print(v.shape, round(float((v * v).sum()), 4), 'torch' in sys.modules, "
        "'sentence_transformers' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "(2, 384) 2.0 False False"


def test_onnx_graph_gives_the_pytorch_vectors() -> None:
    """The graph built from the weights against vectors PyTorch made for the same texts
    (stored in data/, so that this needs no PyTorch; remade with `backend="torch"`)."""
    engine = _engine_or_skip()
    reference = json.loads((Path(__file__).parent / "data" / "minilm_torch_vectors.json").read_text("utf-8"))
    assert reference["texts"] == TEXTS
    onnx = engine(backend="onnx").embed(TEXTS)
    again = engine(backend="onnx").embed(TEXTS)
    torch = np.array(reference["vectors"])
    assert onnx.shape == torch.shape == (len(TEXTS), 384)
    assert np.array_equal(onnx, again)
    assert float((onnx * torch).sum(axis=1).min()) > 0.9999


def test_idf_pooling_is_close_to_but_not_the_models_mean() -> None:
    engine = _engine_or_skip()
    from analysis.themes.semantic import _onnx_backend

    tokenizer, forward = _onnx_backend(engine().model_name)
    tokenizer.no_truncation()
    tokenizer.enable_padding()
    encoded = tokenizer.encode_batch(TEXTS)
    ids = np.array([e.ids for e in encoded], dtype=np.int64)
    mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
    hidden = forward(ids, mask)
    plain = (hidden * mask[:, :, None]).sum(axis=1) / mask.sum(
        axis=1, keepdims=True
    )  # the model's own pooling
    plain /= np.linalg.norm(plain, axis=1, keepdims=True)
    tokenizer.no_padding()
    pooled = engine(backend="onnx").embed(TEXTS)
    cosine = (pooled * plain).sum(axis=1)
    assert 0.8 < float(cosine.min()) and float(cosine.max()) < 0.99999


def test_a_folder_that_is_not_bert_is_refused_clearly(tmp_path: Path) -> None:
    pytest.importorskip("onnx")
    from analysis.themes.bert_onnx import NotBert, bert_graph

    (tmp_path / "config.json").write_text('{"model_type": "mpnet"}', encoding="utf-8")
    (tmp_path / "model.safetensors").write_bytes(b"")
    with pytest.raises(NotBert, match="not a BERT model"):
        bert_graph(tmp_path)
    with pytest.raises(NotBert, match=r"no config\.json"):
        bert_graph(tmp_path / "missing")
