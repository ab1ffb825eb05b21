"""One registry of menus and commands: a new menu is a YAML edit, and it appears both in
Telegram and in the terminal chat, with its own /command in Telegram's command menu."""

from __future__ import annotations

import io
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.app import build_application
from bot.cli import main
from bot.config import Settings
from bot.core.kb import KnowledgeBase, load_knowledge_base
from tests.conftest import KNOWLEDGE_DIR
from tests.telegram.fake import TOKEN, Driver, FakeTelegram

TOPICS = ["iron_and_rls", "rls_sleep", "selfcare_triggers"]
LABEL = "🧲 Iron and sleep"


def _edit(path: Path, change: Any) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True),
                    encoding="utf-8")


@pytest.fixture(scope="module")
def new_menu_kb(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    """knowledge/ plus one menu of three topics, one main-menu row and one command: YAML
    edits only (menus.yml and messages/en.yml)."""
    root = tmp_path_factory.mktemp("kb") / "knowledge"
    shutil.copytree(KNOWLEDGE_DIR, root)

    def menus(data: dict[str, Any]) -> None:
        data["menus"]["iron"] = {"kind": "list", "topics": TOPICS}
        data["menus"]["main"]["rows"].append(["iron"])
        data["commands"].append({"command": "iron", "menu": "iron"})

    def words(data: dict[str, Any]) -> None:
        data["menus"]["iron"] = {"label": LABEL, "text": "Iron, sleep and triggers:",
                                 "name": "iron and sleep"}
        data["commands"]["iron"] = "Iron, sleep and triggers"

    _edit(root / "menus.yml", menus)
    _edit(root / "messages" / "en.yml", words)
    return load_knowledge_base(root)


def test_the_new_menu_is_in_the_terminal_chat(new_menu_kb: KnowledgeBase) -> None:
    out = io.StringIO()
    code = main(["--kb", str(new_menu_kb.directory), "chat"],
                stdin=io.StringIO("7\n/iron\nq\n"), stdout=out, stderr=io.StringIO())
    assert code == 0
    text = out.getvalue()
    assert f"[7] {LABEL}" in text
    assert text.count("Iron, sleep and triggers:") == 2  # by its button and by its command
    for intent_id in TOPICS:
        assert new_menu_kb.intents[intent_id].title in text


async def test_the_new_menu_is_in_telegram(new_menu_kb: KnowledgeBase) -> None:
    fake = FakeTelegram()
    app = build_application(Settings(token=TOKEN), new_menu_kb, request=fake,
                            get_updates_request=fake)
    async with app:
        assert app.post_init is not None
        await app.post_init(app)
        user = Driver(app, fake)
        [commands] = fake.named("setMyCommands")
        assert "iron" in [c["command"] for c in commands.params["commands"]]
        await user.send("/menu")
        assert LABEL in user.labels
        await user.click(LABEL)
        assert "Iron, sleep and triggers:" in user.text
        assert [new_menu_kb.intents[i].title for i in TOPICS] == user.labels[:3]
        await user.send("/iron")
        assert "Iron, sleep and triggers:" in user.text
