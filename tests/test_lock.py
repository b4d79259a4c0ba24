"""The lock files agree with pyproject.toml: each requirement pinned inside its range, with hashes.

A range changed in pyproject.toml without `bash .ci/lock` fails here, so CI never tests
versions other than the ones a fresh install gets (docs/dependencies.md).
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
LOCKS = {"requirements.lock": ("test",), "requirements-embeddings.lock": ("test", "embeddings")}


def pins(name: str) -> dict[str, tuple[Version, list[str]]]:
    """Each locked package (canonical name) → its version and hashes."""
    text = (ROOT / name).read_text(encoding="utf-8").replace("\\\n", " ")
    found: dict[str, tuple[Version, list[str]]] = {}
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = re.match(r"([A-Za-z0-9._-]+)==([^\s;]+)", line)
        assert match, f"{name}: not an exact pin: {line[:80]!r}"
        package = canonicalize_name(match.group(1))
        assert package not in found, f"{name}: {package} pinned twice"
        found[package] = (Version(match.group(2)), re.findall(r"--hash=sha256:([0-9a-f]{64})", line))
    return found


def requirements(extras: tuple[str, ...]) -> list[Requirement]:
    optional = PROJECT["optional-dependencies"]
    listed = PROJECT["dependencies"] + [text for extra in extras for text in optional[extra]]
    return [Requirement(text) for text in listed]


@pytest.mark.parametrize("lock", sorted(LOCKS))
def test_every_requirement_is_pinned_inside_its_range_with_hashes(lock: str) -> None:
    locked = pins(lock)
    assert locked, f"{lock} pins nothing"
    for package, (_, hashes) in locked.items():
        assert hashes, f"{lock}: {package} has no hash"
    for requirement in requirements(LOCKS[lock]):
        if requirement.marker is not None and not requirement.marker.evaluate():
            continue
        package = canonicalize_name(requirement.name)
        assert package in locked, f"pyproject.toml asks for {requirement}, not in {lock}: bash .ci/lock"
        version = locked[package][0]
        assert requirement.specifier.contains(version, prereleases=True), (
            f"{lock} pins {package}=={version}, outside pyproject.toml's {requirement}: bash .ci/lock"
        )


def test_the_embeddings_lock_is_the_app_lock_plus_the_engine() -> None:
    app, embeddings = pins("requirements.lock"), pins("requirements-embeddings.lock")
    differing = {name: (app[name][0], embeddings.get(name, (None,))[0]) for name in app}
    differing = {name: versions for name, versions in differing.items() if versions[0] != versions[1]}
    assert not differing, f"the two locks disagree (regenerate both with bash .ci/lock): {differing}"


def test_the_locks_say_how_they_are_made() -> None:
    for lock in LOCKS:
        assert "#    bash .ci/lock\n" in (ROOT / lock).read_text(encoding="utf-8"), lock
