"""Fixtures: the real application over the fake Bot API, driven like a user's session."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from html.parser import HTMLParser

import pytest

from bot.app import BotApplication, build_application
from bot.config import Settings
from bot.core.engine import Engine
from bot.core.kb import KnowledgeBase, load_knowledge_base
from tests.telegram.fake import TOKEN, Driver, FakeTelegram

ALLOWED_TAGS = {"b", "i", "a"}
_ENTITY = re.compile(r"&(?:amp|lt|gt|quot|#\d+|#x[0-9a-fA-F]+);")


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    """The real knowledge base, loaded once: the adapter must work with what ships."""
    return load_knowledge_base()


@pytest.fixture
def settings() -> Settings:
    return Settings(token=TOKEN, flood_messages=20, flood_seconds=60.0)


@pytest.fixture
def fake() -> FakeTelegram:
    return FakeTelegram()


@pytest.fixture
async def app(settings: Settings, kb: KnowledgeBase,
              fake: FakeTelegram) -> AsyncIterator[BotApplication]:
    application = build_application(settings, kb, request=fake, get_updates_request=fake)
    async with application:
        assert application.post_init is not None
        await application.post_init(application)  # what run_polling does after getMe
        yield application


@pytest.fixture
def user(app: BotApplication, fake: FakeTelegram) -> Driver:
    return Driver(app, fake)


@pytest.fixture
def engine(app: BotApplication) -> Engine:
    engine: Engine = app.bot_data.engine
    return engine


class _TagChecker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        assert tag in ALLOWED_TAGS, f"unexpected tag <{tag}>"
        if tag == "a":
            assert [name for name, _ in attrs] == ["href"], attrs
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack[-1] == tag, f"unbalanced </{tag}> in {self.stack}"
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def assert_telegram_html(text: str) -> str:
    """Valid for Telegram's HTML parse mode: only our tags, balanced, every & an entity.

    Returns the visible text, as a reader would see it.
    """
    for match in re.finditer("&", text):
        assert _ENTITY.match(text, match.start()), f"bare & at {match.start()}: {text!r}"
    assert "<" not in re.sub(r"</?(?:b|i|a)(?: href=\"[^\"<>]*\")?>", "", text), text
    checker = _TagChecker()
    checker.feed(text)
    checker.close()
    assert not checker.stack, f"unclosed tags {checker.stack}"
    return html.unescape("".join(checker.text))
