"""Every word a person reads comes from knowledge/messages/<language>.yml.

The modules that build what people see (replies, buttons, menus, the terminal chat, the
Telegram handlers) may not hold English sentences: a string literal with two words in a
row is reported, unless it is a docstring, a log line, an exception for the operator, or
a Bot API method name. Curator-facing modules (the loader's problems, the report) and
the safety and matching rules (patterns, not words for people) are not scanned.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

SCANNED = sorted(
    [*(REPO_ROOT / "bot" / "handlers").glob("*.py"),
     *(REPO_ROOT / "bot" / "core" / name for name in ("compose.py", "menus.py", "reply.py",
                                                       "actions.py", "buttons.py")),
     REPO_ROOT / "bot" / "render.py", REPO_ROOT / "bot" / "terminal.py"])
WORDS = re.compile(r"[A-Za-z]{2,}[,.!?:;']*\s+[A-Za-z]{2,}")
QUIET_CALLS = frozenset({"debug", "info", "warning", "error", "exception", "note",
                         "with_retries", "getLogger"})


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value,
                                                                     ast.Constant):
                found.add(id(body[0].value))
        # An attribute docstring: a string expression right after an assignment.
        body = getattr(node, "body", [])
        for child in body if isinstance(body, list) else ():
            if isinstance(child, ast.Expr) and isinstance(child.value, ast.Constant):
                found.add(id(child.value))
    return found


def _exempt(tree: ast.AST) -> set[int]:
    """Strings inside log calls, raise statements, with_retries(..., "method") and
    comparisons (a Bot API error text such as "not modified")."""
    found: set[int] = set()
    for node in ast.walk(tree):
        quiet = isinstance(node, ast.Raise | ast.Compare) or (
            isinstance(node, ast.Call) and (
                (isinstance(node.func, ast.Attribute) and node.func.attr in QUIET_CALLS)
                or (isinstance(node.func, ast.Name) and node.func.id in QUIET_CALLS)))
        if quiet:
            found.update(id(n) for n in ast.walk(node) if isinstance(n, ast.Constant))
    return found


def english_strings(path: Path, root: Path = REPO_ROOT) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _docstrings(tree) | _exempt(tree)
    return [f"{path.relative_to(root)}:{node.lineno}: {node.value!r}"
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
            and id(node) not in skip and WORDS.search(node.value)]


@pytest.mark.parametrize("path", [p for p in SCANNED if p.is_file()],
                         ids=lambda p: p.name)
def test_no_english_words_in_code(path: Path) -> None:
    assert english_strings(path) == []


def test_the_scan_finds_a_sentence(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text('"""Doc string is fine."""\nlogger.info("a log line")\n'
                      'TEXT = "Thank you for the feedback!"\n', encoding="utf-8")
    [hit] = english_strings(sample, root=tmp_path)
    assert hit.endswith("'Thank you for the feedback!'")
