"""How each engine's vectors are grouped into themes: plain data, light to import.

The web app reads the bounds from here without loading numpy or scikit-learn.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["ENGINE_GROUPING", "Grouping"]


@dataclass(frozen=True)
class Grouping:
    """An engine's defaults for `clustering.cluster` (the analyst's options override the bounds).

    per_theme: the theme count starts at √(answers / per_theme).
    max_themes, min_share: default upper bound and folding share (see `clustering.cluster`).
    neighbours: average each answer's vector with its mean over this many nearest
        neighbours (cosine) before grouping; 0 leaves the vectors as they are.
    spherical: spherical k-means (cosine to unit centres) instead of Euclidean k-means.
    """

    per_theme: float = 16.0
    max_themes: int = 25
    min_share: float = 0.01
    neighbours: int = 0
    spherical: bool = False

    def typical(self, answers: int) -> int:
        """The themes this grouping starts from for `answers` answers (before bounds and folding)."""
        return round(math.sqrt(answers / self.per_theme))


# Each engine's grouping. The semantic engine's (NHS development set, means of k-means seeds
# 0-2, NMI label / subcategory): each answer averaged with its 20 nearest neighbours,
# spherical k-means, √(answers / 6) themes (41 for 10,000 answers; at most 50 unless the
# analyst says otherwise) and themes under 0.5 % folded: 0.278 / 0.321, against 0.282 /
# 0.308 with the core engine's rule (√(answers / 16), Euclidean k-means, 1 %). Neither part
# alone is enough: neighbour averaging with the core rule 0.289 / 0.314; spherical k-means
# at 40 themes without it 0.269 / 0.307. All chosen on that one set: the margin is within
# the seed-to-seed spread.
# The core engine's √(answers / 12) (16 before themes of one idea were merged and answers
# fitting no theme set apart, `coherence`): NHS set, 0.231 / 0.260 against 0.228 / 0.254 with 16.
ENGINE_GROUPING = {
    "core": Grouping(per_theme=12.0),
    "semantic": Grouping(per_theme=6.0, max_themes=50, min_share=0.005, neighbours=20, spherical=True),
}
