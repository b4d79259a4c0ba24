"""The README's promises, checked against the code.

The configuration table against `consult.config.SETTINGS` (names, defaults, the environment),
the two command tables against the click commands (every command and option named exists,
every command is named), and what the README says about errors. The tests read the tables
rather than list their rows, so a row added with a new setting or command is checked too.
"""

from __future__ import annotations

import contextlib
import fnmatch
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner
from flask.testing import FlaskCliRunner

from analysis.cli import main as analysis_main
from consult.cli import main as consult_main
from consult.config import SETTINGS, from_environment

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
PROGRAMS: dict[str, click.Group] = {"consult": consult_main, "consult-analysis": analysis_main}
ENVIRONMENT_SETTINGS = {name for name, setting in SETTINGS.items() if setting.environment}

# Environment variables the code reads that are no setting and need no place in the README.
UNDOCUMENTED_VARIABLES = {
    "CONSULT_SERVER_PROCESSES": "set by deploy/gunicorn.conf.py for the app servers it starts",
}


# --- reading the README ------------------------------------------------------------------


def section(title: str) -> str:
    """The text under the `## title` heading, up to the next heading of that level."""
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", README, re.M | re.S)
    assert match, f"README has no section {title!r}"
    return match.group(1)


def tables(text: str) -> list[list[list[str]]]:
    """Every Markdown table in `text`, as rows of cells (the header row first, no rule row)."""
    found: list[list[list[str]]] = []
    current: list[list[str]] = []
    for line in [*text.splitlines(), ""]:
        if line.startswith("|"):
            cells = [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", line.strip()[1:-1])]
            if not all(set(c) <= set("-: ") for c in cells):
                current.append(cells)
        elif current:
            found.append(current)
            current = []
    return found


def code_spans(text: str) -> list[str]:
    return re.findall(r"`([^`]+)`", text)


def configuration_rows() -> list[tuple[str, str]]:
    """(setting name, default as written) for each name in the table.

    A row naming several settings gives one default for all, or one each, comma-separated.
    """
    [table] = [t for t in tables(section("Configuration")) if t[0][0].startswith("setting")]
    rows = []
    for names_cell, default_cell, *_ in table[1:]:
        names = code_spans(names_cell)
        defaults = [part.strip() for part in default_cell.split(",")] if len(names) > 1 else [default_cell]
        if len(defaults) == 1:
            defaults *= len(names)
        assert len(defaults) == len(names), f"one default per setting in {names_cell!r}: {default_cell!r}"
        rows += zip(names, defaults, strict=True)
    return rows


def also_settable() -> list[str]:
    """Names (or `NAME_*` patterns) in the paragraph after the table listing further settings."""
    match = re.search(r"^Also settable.*?(?=\n\n)", section("Configuration"), re.M | re.S)
    assert match, "the Configuration section has an 'Also settable …' paragraph"
    spans = code_spans(match.group(0))
    return [s for s in spans if re.fullmatch(r"[A-Z][A-Z0-9_]*\*?", s) and not s.startswith("CONSULT_")]


def command_rows() -> list[str]:
    """Each command line written in the README's command tables, e.g. `consult close --on D`."""
    reference = section("Command reference")
    lines = []
    for table in tables(reference):
        assert table[0][0] == "command", table[0]
        lines += [span for row in table[1:] for span in code_spans(row[0])]
    return lines


# --- the configuration table -------------------------------------------------------------

DURATION = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}


def documented_default(written: str) -> tuple[bool, Any]:
    """(True, value) for a literal default, (False, None) for prose ("written by `consult init`")."""
    if written.startswith("—"):
        return True, None
    if re.fullmatch(r"\d+", written):
        return True, int(written)
    if written in ("true", "false"):
        return True, written == "true"
    if m := re.fullmatch(r"(\d+) (seconds|minutes|hours|days)", written):
        return True, int(m.group(1)) * DURATION[m.group(2)]
    if m := re.fullmatch(r"`([^`]*)`", written):
        return True, m.group(1)
    return False, None


@pytest.mark.parametrize(("name", "written"), configuration_rows())
def test_every_setting_in_the_table_exists_with_the_default_it_shows(name: str, written: str) -> None:
    assert name in SETTINGS, f"README names a setting consult does not have: {name}"
    assert SETTINGS[name].environment, f"README offers CONSULT_{name}, which the app does not read"
    default = SETTINGS[name].default
    literal, value = documented_default(written)
    if not literal:
        # Prose stands for a value worked out when the app starts or written by `consult init`.
        assert default is None, f"{name}: README says {written!r}; the default is {default!r}"
    elif value is None:
        assert default in (None, [], {}, ""), f"{name}: README says none; the default is {default!r}"
    else:
        assert (default, type(default)) == (value, type(value)), f"{name}: README {written!r}; {default!r}"


def test_every_setting_from_the_environment_is_documented() -> None:
    in_table = {name for name, _ in configuration_rows()}
    patterns = also_settable()
    for pattern in patterns:
        assert fnmatch.filter(ENVIRONMENT_SETTINGS, pattern), f"README 'Also settable': {pattern}?"
    missing = {
        name
        for name in ENVIRONMENT_SETTINGS - in_table
        if not any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns)
    }
    assert not missing, f"settable as CONSULT_<NAME> but not in the README: {sorted(missing)}"


def sample_value(default: Any) -> tuple[str, Any]:
    """An environment value for a setting with this default, and what the app should read."""
    if isinstance(default, bool):
        return ("false", False) if default else ("true", True)
    if isinstance(default, int):
        return str(default + 7), default + 7
    if isinstance(default, dict):
        return '{"x_for": 2}', {"x_for": 2}
    return '["a"]', ["a"]


@pytest.mark.parametrize("name", sorted(ENVIRONMENT_SETTINGS))
def test_every_environment_setting_is_read_as_the_readme_says(name: str) -> None:
    """JSON where it parses, except text settings, which are taken as they are."""
    target = "SQLALCHEMY_DATABASE_URI" if name == "DATABASE_URL" else name
    setting = SETTINGS[name]
    if setting.text:
        for raw in ("12345678", "x y", "true"):
            assert from_environment({f"CONSULT_{name}": raw}) == {target: raw}
    else:
        raw, value = sample_value(setting.default)
        assert from_environment({f"CONSULT_{name}": raw}) == {target: value}
        assert from_environment({f"CONSULT_{name}": "not json"}) == {target: "not json"}


def test_a_form_time_limit_from_the_environment_reaches_the_app(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from consult import create_app

    monkeypatch.setenv("CONSULT_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("CONSULT_WTF_CSRF_TIME_LIMIT", "60")
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "ENV_NAME": "development"})
    assert app.config["WTF_CSRF_TIME_LIMIT"] == 60


def variables_read_by(folders: tuple[str, ...]) -> set[str]:
    return {
        name
        for folder in folders
        for path in (ROOT / folder).rglob("*.py")
        for name in re.findall(r"[\"'](CONSULT_[A-Z0-9_]+)[\"']", path.read_text(encoding="utf-8"))
    }


def test_environment_variables_named_in_the_docs_exist_and_those_read_are_documented() -> None:
    known = {f"CONSULT_{name}" for name in ENVIRONMENT_SETTINGS}
    read = variables_read_by(("consult", "analysis", "questions", "deploy", "tests", "benchmarks"))
    docs = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    named = {
        (path.name, token)
        for path in docs
        for token in re.findall(r"CONSULT_[A-Z0-9_]*[A-Z0-9*]", path.read_text(encoding="utf-8"))
    }
    for where, token in sorted(named):
        assert fnmatch.filter(known | read, token), f"{where} names {token}, which nothing reads"
    by_the_app = variables_read_by(("consult", "analysis", "questions")) - known - set(UNDOCUMENTED_VARIABLES)
    undocumented = {name for name in by_the_app if name not in README}
    assert not undocumented, f"read by the app but not in the README: {sorted(undocumented)}"


# --- the command tables ------------------------------------------------------------------


Path_ = tuple[str, ...]


def leaf_commands(group: click.Group, path: Path_) -> Iterator[tuple[Path_, click.Command]]:
    context = click.Context(group, info_name=path[-1])
    for name in group.list_commands(context):
        command = group.get_command(context, name)
        assert command is not None, f"{' '.join(path)} lists {name} but cannot load it"
        if isinstance(command, click.Group):
            yield from leaf_commands(command, (*path, name))
        else:
            yield (*path, name), command


ALL_COMMANDS = dict(item for program, group in PROGRAMS.items() for item in leaf_commands(group, (program,)))


def resolve(line: str) -> tuple[tuple[str, ...], click.Command, list[str]]:
    """The command a README command line names, and the words after its name."""
    program, *words = line.split()
    assert program in PROGRAMS, f"README command {line!r}: not consult or consult-analysis"
    command: click.Command = PROGRAMS[program]
    path = [program]
    while isinstance(command, click.Group) and words:
        sub = command.get_command(click.Context(command), words[0])
        if sub is None:
            break
        command = sub
        path.append(words.pop(0))
    if isinstance(command, click.Group):
        missing = f"has no command {words[0]}" if words else "needs a command"
        raise AssertionError(f"README {line!r}: {' '.join(path)} {missing}")
    return tuple(path), command, words


@pytest.mark.parametrize("line", command_rows())
def test_every_command_line_in_the_tables_is_what_the_command_takes(line: str) -> None:
    path, command, words = resolve(line)
    options = {o: p for p in command.params if isinstance(p, click.Option) for o in p.opts + p.secondary_opts}
    placeholders = []
    tokens = iter(re.sub(r"[\[\]…]", " ", " ".join(words)).split())
    for token in tokens:
        if not token.startswith("-"):
            placeholders.append(token)
            continue
        for flag in token.split("|"):
            assert flag in options, f"README {line!r}: {' '.join(path)} has no option {flag}"
        option = options[flag]
        if not option.is_flag and not option.count:
            value = next(tokens, None)
            assert value is not None, f"README {line!r}: {flag} needs a value"
            if isinstance(option.type, click.Choice):
                unknown = set(value.split("|")) - {str(choice) for choice in option.type.choices}
                assert not unknown, f"README {line!r}: {flag} does not take {sorted(unknown)}"
    arguments = [p.metavar or p.name.upper() for p in command.params if isinstance(p, click.Argument)]
    assert placeholders == arguments, f"README {line!r}: {' '.join(path)} takes {arguments}"


def test_every_command_is_in_the_tables() -> None:
    documented = set()
    for line in command_rows():
        with contextlib.suppress(AssertionError):  # reported by the test above
            documented.add(resolve(line)[0])
    missing = sorted(" ".join(path) for path in set(ALL_COMMANDS) - documented)
    assert not missing, f"commands missing from the README's command reference: {missing}"


def test_options_named_beside_the_tables_exist() -> None:
    prose = re.sub(r"^\|.*\n", "", section("Command reference"), flags=re.M)
    named = set(re.findall(r"`(--[a-z][a-z-]*)", prose)) - {"--help"}
    consult_options = {
        opt for command in ALL_COMMANDS.values() for p in command.params for opt in getattr(p, "opts", [])
    }
    assert named and named <= consult_options, sorted(named - consult_options)


# --- what the README says about errors ---------------------------------------------------


@pytest.mark.parametrize("path", sorted(ALL_COMMANDS), ids=" ".join)
def test_every_command_has_help_and_a_usage_error_is_status_2(path: tuple[str, ...]) -> None:
    program, *words = path
    runner = CliRunner()
    shown = runner.invoke(PROGRAMS[program], [*words, "--help"])
    assert shown.exit_code == 0 and "Usage:" in shown.output, shown.output
    wrong = runner.invoke(PROGRAMS[program], [*words, "--no-such-option"])
    assert wrong.exit_code == 2, wrong.output
    assert "Usage:" in wrong.stderr and "Error: No such option" in wrong.stderr
    assert "--no-such-option" in wrong.stderr
    assert wrong.stdout == ""


def test_the_readme_states_both_exit_statuses() -> None:
    text = " ".join(section("Command reference").split())
    assert "exits with status 1" in text and "status 2" in text
    assert "Errors are one line on stderr and exit status 1." not in text


def test_a_consult_command_that_cannot_act_says_why_in_one_line(runner: FlaskCliRunner) -> None:
    result = runner.invoke(consult_main, ["links", "new", "--questionnaire", "no-such-thing"])
    assert result.exit_code == 1, result.output
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert line.startswith("Error: ") and "no-such-thing" in line
