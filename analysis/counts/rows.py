"""What the rows of every count table are: the names of the overall segment, of "Not
answered", of "Not stated" and of the combined small groups, and who was asked a question.

Kept apart from `counting` so that the release record and the protection across releases
can use them without importing the counting itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from questions import Question, Questionnaire

__all__ = ["ALL_RESPONDENTS", "NOT_ANSWERED", "NOT_STATED", "OTHER_SEGMENT", "asked_mask"]

ALL_RESPONDENTS = "All respondents"
NOT_ANSWERED = "Not answered"
NOT_STATED = "Not stated"
#: The explicit group that segments too small to show on their own are merged into: named so
#: that no answer option or category can be confused with it ("Other organisation" is an
#: organisation type; "Smaller organisation types, combined" cannot be).
OTHER_SEGMENT = {
    "role": "Smaller roles, combined",
    "organisation_type": "Smaller organisation types, combined",
    "region": "Smaller regions, combined",
    "channel": "Smaller channels, combined",
}


def asked_mask(responses: pd.DataFrame, questionnaire: Questionnaire, question: Question) -> np.ndarray:
    """Boolean array: which responses were asked `question` (its conditions, chained, held)."""
    import numpy as np

    mask = np.ones(len(responses), dtype=bool)
    while question.shown_if is not None:
        condition = question.shown_if
        mask &= responses[condition.question].isin(condition.any_of).to_numpy()
        question = questionnaire.question(condition.question)
    return mask
