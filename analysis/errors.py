"""The one error type the analysis library raises for bad input or impossible requests."""

from __future__ import annotations


class AnalysisError(Exception):
    """Input or options the analysis cannot use; the message is one line for the analyst.

    The command line prints the message on stderr and exits non-zero; library callers (the
    web app) may show it as it is.
    """
