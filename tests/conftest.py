"""Shared fixtures: the real knowledge base and engine, loaded once per test session.

Loading and indexing take a fraction of a second, but the core suite asks thousands of
questions; sharing one read-only Engine keeps the whole suite fast. Both objects are
frozen or read-only after construction, so sharing them cannot leak state between tests.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.core.engine import Engine
from bot.core.kb import KnowledgeBase, load_knowledge_base

REPO_ROOT = Path(__file__).resolve().parents[1]
KNOWLEDGE_DIR = REPO_ROOT / "knowledge"
DATA_DIR = Path(__file__).resolve().parent / "data"
FIXTURE_KB = Path(__file__).resolve().parent / "fixtures" / "kb_valid"


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    """The real knowledge/ directory: a broken edit fails here first."""
    return load_knowledge_base(KNOWLEDGE_DIR)


@pytest.fixture(scope="session")
def engine(kb: KnowledgeBase) -> Engine:
    return Engine(kb)


@pytest.fixture(scope="session")
def fixture_kb() -> KnowledgeBase:
    """The small hand-written knowledge base in tests/fixtures/kb_valid (stable scores)."""
    return load_knowledge_base(FIXTURE_KB)


@pytest.fixture(scope="session")
def fixture_engine(fixture_kb: KnowledgeBase) -> Engine:
    return Engine(fixture_kb)


@pytest.fixture
def kb_copy(tmp_path: Path) -> Path:
    """A writable copy of the valid fixture knowledge base, to break one thing at a time."""
    target = tmp_path / "kb"
    shutil.copytree(FIXTURE_KB, target)
    return target
