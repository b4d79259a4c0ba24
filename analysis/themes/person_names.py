"""People's first names and surnames, from the `names-dataset` package (MIT licence).

names-dataset holds 730,000 first names and 980,000 surnames with their rank by country.
Loading it takes several seconds and about a gigabyte of memory per list, far too much for
a web process, so the names ranked in the United Kingdom (and Ireland) are taken out once,
in a child process through the package's documented `NameDataset.get_top_names`, and kept
in a small cache file (`CONSULT_NAMES_CACHE`, else the user's cache folder), named by the
package's version. Each process then reads that file once, when it first needs a name.
If no cache folder is writable the lists are built in the process itself (slow, once).

Note on the source: the package's author compiled it from a large dump of public profile
names; only names (no other data) ranked in the UK and Ireland are used here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from functools import cache
from pathlib import Path

__all__ = ["NameLists", "english_words", "name_lists"]

# How far down each country's ranking names are taken.
FIRST_NAMES = 5000
SURNAMES = 8000
COUNTRIES = ("GB", "IE")


class NameLists:
    """`first`: first names; `surnames`: surnames (both as written, e.g. "Jane", "Smith")."""

    def __init__(self, first: frozenset[str], surnames: frozenset[str]) -> None:
        self.first = first
        self.surnames = surnames


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("names-dataset")
    except PackageNotFoundError:
        return "missing"


def _cache_path() -> Path:
    folder = os.environ.get("CONSULT_NAMES_CACHE")
    if folder:
        base = Path(folder)
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "consult"
    return base / f"names-{_version()}-{FIRST_NAMES}-{SURNAMES}.json"


def build(path: Path) -> None:
    """Take the UK and Irish names out of names-dataset into `path` (one list at a time).

    Reads the dataset's documented `first_names` / `last_names` mappings once each: a name
    is kept if its rank in either country is within the bounds above."""
    from names_dataset import NameDataset

    lists = {}
    for key, limit, flags in (
        ("first", FIRST_NAMES, {"load_first_names": True, "load_last_names": False}),
        ("surnames", SURNAMES, {"load_first_names": False, "load_last_names": True}),
    ):
        dataset = NameDataset(**flags)
        table = dataset.first_names if key == "first" else dataset.last_names
        lists[key] = sorted(
            name
            for name, info in table.items()
            if any((info.get("rank") or {}).get(c, limit + 1) <= limit for c in COUNTRIES)
        )
        del dataset, table
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + f".{os.getpid()}")
    temporary.write_text(json.dumps(lists), encoding="utf-8")
    os.replace(temporary, path)


def _clean(names: list[str]) -> frozenset[str]:
    """Single words of letters only (the lists hold some initials and joined names)."""
    return frozenset(n for n in names if n.isalpha() and len(n) > 1 and n[0].isupper())


@cache
def name_lists() -> NameLists:
    """The names, read once per process (built once per machine, see the module's note)."""
    path = _cache_path()
    if not path.exists():
        try:
            subprocess.run(
                [sys.executable, "-m", "analysis.themes.person_names", str(path)],
                check=True,
                capture_output=True,
                timeout=600,
            )
        except (OSError, subprocess.SubprocessError):
            path = Path(os.environ.get("TMPDIR", "/tmp")) / path.name
            if not path.exists():
                build(path)
    data = json.loads(path.read_text(encoding="utf-8"))
    return NameLists(_clean(data["first"]), _clean(data["surnames"]))


# Words of public bodies' and offices' names: ordinary words here, whatever the name lists say.
_BODY_WORDS = """
council borough district county city town unitary authority metropolitan royal fire rescue service
police constabulary national park combined mayoral government department ministry office agency
commission inspectorate leader mayor chief executive chair cabinet member officer commissioner local
association board trust partnership services community communities health social care children adult
"""


@cache
def english_words() -> frozenset[str]:
    """Ordinary English words, lower case: a capitalised one is not taken for a name alone.

    The stop words of scikit-learn and of the themes, VADER's lexicon (which the sentiment
    step ships) and the words of public bodies' names; no dictionary is downloaded."""
    import vaderSentiment
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    from analysis.themes.text import STOP_WORDS

    lexicon = Path(vaderSentiment.__file__).resolve().parent / "vader_lexicon.txt"
    vader = {line.split("\t", 1)[0] for line in lexicon.read_text(encoding="utf-8").splitlines() if line}
    return frozenset(
        w for w in {*ENGLISH_STOP_WORDS, *STOP_WORDS, *vader, *_BODY_WORDS.split()} if w.isalpha()
    )


if __name__ == "__main__":  # the child process that builds the cache
    build(Path(sys.argv[1]))
