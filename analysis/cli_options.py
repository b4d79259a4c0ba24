"""What the `consult-analysis` commands share: their common options, progress and errors.

Each option is declared once here and used as a decorator, so `--questionnaire`,
`--consultation`, `--threshold` and `--quiet`/`-q` mean and read the same in every command.
Only light modules are imported, so `--help` stays instant.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import click

from analysis.counts.disclosure import DEFAULT_THRESHOLD  # a constant: no heavy import
from questions import DEFAULT_QUESTIONNAIRE

__all__ = [
    "consultation_option",
    "one_line_errors",
    "progress_printer",
    "questionnaire_option",
    "quiet_option",
    "source_argument",
    "threshold_option",
]

F = TypeVar("F", bound=Callable[..., object])

source_argument = click.argument("source", metavar="INPUT")

questionnaire_option = click.option(
    "--questionnaire",
    default=DEFAULT_QUESTIONNAIRE,
    show_default=True,
    help="Questionnaire of an export CSV (a database names its own).",
)

consultation_option = click.option(
    "--consultation",
    default=None,
    help="Consultation slug, when the database holds several.",
)

quiet_option = click.option("--quiet", "-q", is_flag=True, help="No progress messages on stderr.")


def threshold_option(applies_to: str = "") -> Callable[[F], F]:
    """`--threshold`, the disclosure threshold; `applies_to` says which output it protects."""
    return click.option(
        "--threshold",
        type=click.IntRange(1),
        default=DEFAULT_THRESHOLD,
        show_default=True,
        help=f"{applies_to}Hide counts from 1 to one below this (disclosure control).",
    )


def progress_printer(quiet: bool) -> Callable[[str], None]:
    """A function printing a progress message on stderr with the seconds since it was made.

    With `quiet` it prints nothing; output on stdout is never mixed with progress.
    """
    start = time.monotonic()

    def say(message: str) -> None:
        if not quiet:
            click.echo(f"[{time.monotonic() - start:6.1f}s] {message}", err=True)

    return say


@contextmanager
def one_line_errors(out: Path | None = None) -> Iterator[None]:
    """Turn the library's errors into one line on stderr and exit status 1.

    An `AnalysisError` gives its message's first line; an `OSError` says what could not be
    written (`out`) or read; a closed pipe (`… | head`) ends quietly.
    """
    from analysis.errors import AnalysisError

    try:
        yield
    except AnalysisError as exc:
        raise click.ClickException(str(exc).splitlines()[0] if str(exc) else type(exc).__name__) from None
    except BrokenPipeError:
        sys.exit(1)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        if out is not None:
            raise click.ClickException(f"cannot write {out}: {reason}") from None
        raise click.ClickException(f"{exc.filename}: {reason}" if exc.filename else reason) from None
