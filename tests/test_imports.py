"""The layers of the code, read from its imports (those inside functions too).

The web app may import `analysis`, never the reverse; background jobs import data
functions, never a blueprint's module; and no module needs, even lazily, a module that
needs it back.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("analysis", "consult")
# The packages of web pages, one per audience (blueprints, their views and forms).
AUDIENCES = ("consult.officer", "consult.respond", "consult.auth")


def _modules() -> dict[str, Path]:
    modules = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
            modules[name] = path
    return modules


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The modules of ours `name` imports anywhere in it; `from package import module` is
    the module, not the package."""
    is_package = path.name == "__init__.py"
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = name.split(".")
                anchor = parts if is_package else parts[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {m for m in found if m in modules} - {name}


def _pages(modules: dict[str, Path]) -> set[str]:
    """The modules of web pages: the audiences' packages, and any other module with a blueprint."""
    return {
        name
        for name, path in modules.items()
        if name.startswith(AUDIENCES) or "Blueprint(" in path.read_text(encoding="utf-8")
    }


@pytest.fixture(scope="module")
def needs() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(name, path, modules) for name, path in modules.items()}


def _reachable(needs: dict[str, set[str]], start: str) -> set[str]:
    seen: set[str] = set()
    todo = [start]
    while todo:
        for following in needs.get(todo.pop(), ()):
            if following not in seen:
                seen.add(following)
                todo.append(following)
    return seen


def test_no_import_circle_even_through_imports_inside_functions(needs: dict[str, set[str]]) -> None:
    """A module never needs, even lazily, a module that needs it back."""
    circles = sorted(start for start in needs if start in _reachable(needs, start))
    assert "analysis.loading" not in circles and "analysis.database_source" not in circles
    assert circles == []


def test_analysis_never_imports_the_web_app(needs: dict[str, set[str]]) -> None:
    leaks = {
        m: sorted(n for n in needs[m] if n.startswith("consult")) for m in needs if m.startswith("analysis")
    }
    assert {m: n for m, n in leaks.items() if n} == {}


def test_jobs_and_data_functions_never_import_a_blueprint(needs: dict[str, set[str]]) -> None:
    """Jobs and data functions need no page, even lazily: queries live in consult.data."""
    layers = ("consult.jobs", "consult.data", "consult.models", "consult.database", "consult.extensions")
    pages = _pages(_modules())
    assert {"consult.officer.blueprint", "consult.web.language"} <= pages
    leaks = {
        module: sorted(n for n in _reachable(needs, module) if n in pages)
        for module in needs
        if module.startswith(layers)
    }
    assert {m: n for m, n in leaks.items() if n} == {}


def test_the_jobs_with_progress_use_the_one_job_wrapper(needs: dict[str, set[str]]) -> None:
    """A job that keeps a row with its progress (`consult.models.QueuedJob`) runs through `run_job`."""
    for job in ("consult.jobs.theme_job", "consult.jobs.download_job"):
        assert "consult.jobs.runner" in needs[job], job
