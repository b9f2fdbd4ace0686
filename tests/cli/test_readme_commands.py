"""The README and the CLI agree: every `wasteroute ...` command in the README's tables exists
(its `--help` succeeds), and each command's --help lists its actions (issue 20, item 9)."""

from __future__ import annotations

import re
from itertools import product
from pathlib import Path

import pytest

from cli.main import build_parser

README = Path(__file__).resolve().parents[2] / "README.md"
WORD = re.compile(r"[a-z][a-z0-9-]*$")


def _alternatives(token: str) -> list[str]:
    """`list/show/publish` or `ingest\\|solver` -> each word."""
    return [t for t in re.split(r"/|\\\||\|", token) if t]


def _command(span: str) -> list[list[str]]:
    """The command words of a backticked span (up to the first option, placeholder or
    `...`), every alternative spelled out: `plans list/show` -> [plans list], [plans show]."""
    words = []
    for token in span.split()[1:]:
        options = _alternatives(token)
        if not options or not all(WORD.match(o) for o in options):
            break  # --flag, FILE, [..], ...
        words.append(options)
    return [list(p) for p in product(*words)]


def readme_commands() -> list[tuple[str, ...]]:
    """Every command named in a README table row: spans starting with `wasteroute`, and in
    a row that names one, the spans after it that name a further subcommand."""
    found: set[tuple[str, ...]] = set()
    for line in README.read_text(encoding="utf-8").splitlines():
        if not line.startswith("|"):
            continue
        cell = line.split(" | ")[0]
        first_cell = re.findall(r"`([^`]+)`", cell)
        spans = re.findall(r"`([^`]+)`", line)
        for span in spans:
            named = span.startswith("wasteroute ")
            follows = span in first_cell and any(s.startswith("wasteroute ") for s in first_cell)
            if follows and not named and WORD.match(span.split()[0]):
                span = "wasteroute " + span
            if span.startswith("wasteroute "):
                found.update(tuple(c) for c in _command(span) if c)
    return sorted(found)


COMMANDS = readme_commands()


def test_the_readme_names_the_commands():
    """The parser of this test finds the table (a sanity check on the parsing itself)."""
    assert ("plans", "list") in COMMANDS and ("db", "status") in COMMANDS
    assert ("containers", "import") in COMMANDS and ("bench", "solver") in COMMANDS
    assert len(COMMANDS) >= 20


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_readme_command_exists(command, capsys):
    with pytest.raises(SystemExit) as done:
        build_parser().parse_args([*command, "--help"])
    out = capsys.readouterr()
    assert done.value.code == 0, f"`wasteroute {' '.join(command)} --help`: {out.err.strip()}"
    assert "usage: wasteroute " + " ".join(command) in " ".join(out.out.split())


@pytest.mark.parametrize(
    ("command", "actions"),
    [
        (["plans"], ["list", "show", "publish", "jobs", "queue"]),
        (["db"], ["migrate", "status"]),
        (["containers"], ["import", "list"]),
        (["tenants"], ["add", "list", "schedule", "policy"]),
    ],
)
def test_help_lists_every_action_with_a_line(command, actions, capsys):
    """`wasteroute plans --help` lists `list` with what it does (it was missing)."""
    with pytest.raises(SystemExit):
        build_parser().parse_args([*command, "--help"])
    out = capsys.readouterr().out
    for action in actions:
        assert re.search(rf"^\s+{action}\s+\S", out, re.MULTILINE), (action, out)
