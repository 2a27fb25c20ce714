"""The README stays true: its test command is what CI runs, and it lists every command."""

import re
from pathlib import Path

from watcher.cli import app

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_ci_runs_the_readme_test_command():
    blocks = re.findall(r"```sh\n(.*?)```", README, re.S)
    test_command = next(b.strip() for b in blocks if "pytest" in b)
    assert test_command in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_readme_lists_every_command():
    for command in app.registered_commands:
        name = command.name or command.callback.__name__
        assert f"`watcher {name}" in README, name
