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


# Each engine's grouping. The semantic engine's: each answer averaged with its 20 nearest
# neighbours, spherical k-means, themes under 0.5 % folded (chosen on the NHS development set;
# neither part alone was enough there), starting from √(answers / 3) themes, at most 50 unless
# the analyst says otherwise. The start was √(answers / 6) until labels had to be words most
# of a theme's answers use: themes of one idea are now merged after grouping and answers
# fitting no theme set apart, so grouping must start finer for the merge rule, not the count,
# to decide what is one idea. On the three trusts' coded sets (2,600-4,400 answers) the finer
# start gives 31-35 themes instead of 22-26 and beats MiniLM + k-means at the answer key's
# number of themes on the 40-44 subcategories too (docs/themes.md); on the whole NHS file the
# bound of 50 holds it. The core engine's √(answers / 12) (16 before themes of one idea were
# merged, `coherence`): NHS set, 0.231 / 0.260 against 0.228 / 0.254 with 16.
ENGINE_GROUPING = {
    "core": Grouping(per_theme=12.0),
    "semantic": Grouping(per_theme=3.0, max_themes=50, min_share=0.005, neighbours=20, spherical=True),
}
