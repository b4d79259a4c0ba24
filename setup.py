"""Build steps that `pip install` (editable or not) runs before packaging consult.

The project's metadata is in pyproject.toml; this file only adds two steps to setuptools'
`build`, so that a fresh checkout gets working pages from `pip install -e .` alone:

- `build_frontend`: GOV.UK Frontend from npm, as pinned in package.json and
  package-lock.json (`npm ci`), its Sass compiled with the service's font stack and its
  JavaScript copied (`npm run build`) into consult/static/frontend/, which is not committed.
- `compile_catalogs`: the Welsh (and any other) interface text, from the gettext
  catalogues consult/translations/*/LC_MESSAGES/messages.po (committed) to the .mo files
  Flask-Babel reads (not committed).

Both write into the source tree, which is where an editable install reads them from and
where setuptools picks them up as package data for a wheel.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import ClassVar

from setuptools import Command, setup
from setuptools.command.build import build

ROOT = Path(__file__).resolve().parent
FRONTEND_OUTPUT = ROOT / "consult" / "static" / "frontend"
TRANSLATIONS = ROOT / "consult" / "translations"


class _InSourceStep(Command):
    """A build step that writes into the source tree (the same for editable installs and wheels)."""

    user_options: ClassVar[list[tuple[str, str | None, str]]] = []
    editable_mode = False

    def initialize_options(self) -> None:
        pass

    def finalize_options(self) -> None:
        pass

    def get_output_mapping(self) -> dict[str, str]:
        return {}


class BuildFrontend(_InSourceStep):
    """Install GOV.UK Frontend from npm and build consult/static/frontend/."""

    description = "install GOV.UK Frontend (npm ci) and build the pages' CSS and JavaScript"

    def run(self) -> None:
        npm = shutil.which("npm")
        if npm is None:
            raise SystemExit(
                "consult needs npm (Node.js) to install GOV.UK Frontend for its pages: install "
                "Node.js 18 or newer (e.g. `apt-get install nodejs npm`), then run pip install again"
            )
        quiet = ["--no-audit", "--no-fund", "--loglevel=error"]
        FRONTEND_OUTPUT.mkdir(parents=True, exist_ok=True)
        subprocess.run([npm, "ci", *quiet], cwd=ROOT, check=True)
        subprocess.run([npm, "run", "--silent", "build"], cwd=ROOT, check=True)

    def get_source_files(self) -> list[str]:
        return ["package.json", "package-lock.json", "consult/static-src/consult.scss"]

    def get_outputs(self) -> list[str]:
        return [str(FRONTEND_OUTPUT / name) for name in ("consult.css", "govuk-frontend.min.js")]


class CompileCatalogs(_InSourceStep):
    """Compile every consult/translations/<language>/LC_MESSAGES/messages.po to its .mo."""

    description = "compile the interface text catalogues (.po) to .mo files"

    def run(self) -> None:
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        for po in sorted(TRANSLATIONS.glob("*/LC_MESSAGES/messages.po")):
            with po.open("rb") as source:
                catalog = read_po(source, locale=po.parts[-3])
            if errors := [(m.id, e) for m, e in catalog.check() if e]:
                raise SystemExit(f"{po}: {errors[0][1][0]} (message {errors[0][0]!r})")
            mo = po.with_suffix(".mo")
            temporary = mo.with_suffix(".mo.tmp")
            with temporary.open("wb") as target:
                write_mo(target, catalog)  # fuzzy entries are left out, as gettext does
            os.replace(temporary, mo)

    def get_source_files(self) -> list[str]:
        return [str(p.relative_to(ROOT)) for p in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po")]

    def get_outputs(self) -> list[str]:
        return [str(p.with_suffix(".mo")) for p in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po")]


class BuildWithAssets(build):
    # The assets and catalogues come first, so that build_py packages what they made.
    sub_commands: ClassVar = [("build_frontend", None), ("compile_catalogs", None), *build.sub_commands]


setup(
    cmdclass={"build": BuildWithAssets, "build_frontend": BuildFrontend, "compile_catalogs": CompileCatalogs}
)
