"""Reproducible builds: every install path uses the hashed locks, and they match pyproject."""

from __future__ import annotations

import importlib.util
import re
import shutil
import tomllib
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]


def check_lock_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("check_lock", ROOT / "scripts" / "check_lock.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_committed_locks_match_pyproject() -> None:
    assert check_lock_module().main() == 0


def test_a_dependency_added_without_relocking_fails_naming_the_fix(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    module = check_lock_module()
    shutil.copytree(ROOT / "requirements", tmp_path / "requirements")
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    text = text.replace('"rapidfuzz==3.14.6",', '"rapidfuzz==3.14.6",\n    "textstat==0.7.4",')
    text = re.sub(r'"pyyaml==[^"]+"', '"pyyaml==5.4"', text)
    (tmp_path / "pyproject.toml").write_text(text, encoding="utf-8")
    module.ROOT, module.LOCK_DIR = tmp_path, tmp_path / "requirements"
    assert module.main() == 1
    err = capsys.readouterr().err
    assert "bot.lock does not pin 'textstat==0.7.4'" in err
    assert "pyproject.toml wants 'pyyaml==5.4'" in err
    assert "make lock" in err


def test_a_lock_without_hashes_is_refused(tmp_path: Path) -> None:
    module = check_lock_module()
    lock = tmp_path / "bot.lock"
    lock.write_text("pyyaml==6.0.3\n", encoding="utf-8")
    with pytest.raises(SystemExit, match="no --hash for pyyaml"):
        module.pins(lock)


def test_every_install_path_uses_the_locks_with_hashes() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "--require-hashes -r requirements/dev.lock" in makefile
    assert "--no-deps --no-build-isolation -e ." in makefile
    assert re.search(r"^lock:", makefile, re.M)
    docker = (ROOT / "deploy" / "Dockerfile").read_text(encoding="utf-8")
    assert "--require-hashes -r requirements/bot.lock" in docker
    assert "--no-deps --no-build-isolation ." in docker
    assert "scripts/check_lock.py" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_the_bot_lock_leaves_out_dev_and_report_tools() -> None:
    bot = (ROOT / "requirements" / "bot.lock").read_text(encoding="utf-8")
    for name in ("jinja2", "pytest", "pip-audit", "mypy"):
        assert not re.search(rf"^{name}==", bot, re.M), name


def test_license_file_matches_pyproject() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["license"] == "MIT"
    assert project["license-files"] == ["LICENSE"]
    assert (ROOT / "LICENSE").read_text(encoding="utf-8").startswith("MIT License")


def test_a_non_editable_install_carries_every_file_the_loader_reads() -> None:
    """pip install . (Docker) has no checkout next to the code: the knowledge base comes from
    the data-files. The danger model (model.json) had been left out, so an installed bot
    would have run without its learned second signal."""
    data_files = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "data-files"]
    shipped = {path for patterns in data_files.values() for pattern in patterns
               for path in ROOT.glob(pattern)}
    knowledge = ROOT / "knowledge"
    needed = {p for p in knowledge.rglob("*") if p.is_file() and p.suffix in {".yml", ".json"}
              and "training" not in p.relative_to(knowledge).parts}
    assert knowledge / "danger" / "model.json" in needed
    assert sorted(str(p.relative_to(ROOT)) for p in needed - shipped) == []
