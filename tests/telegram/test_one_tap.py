"""One tap to help curators: the question is held in memory for a few minutes, for that
private chat only, and reaches the SQLite file only if the person taps "Send this question
to the curators". The privacy tests read the file itself."""

from __future__ import annotations

import io
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot import cli
from bot.app import BotApplication, build_application, post_shutdown
from bot.config import Settings
from bot.core.kb import KnowledgeBase
from bot.handlers.curation import HOLD_SECONDS, HeldQuestions
from tests.telegram.fake import TOKEN, USER_ID, Driver, FakeTelegram

SEND_LABEL = "📨 Send this question to the curators"  # knowledge/messages/en.yml
MISSED = "how tall is mount everest"  # a fallback (asserted below)
NOT_SENT = "recommend a good pizza place"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def bot(tmp_path: Path, kb: KnowledgeBase, fake: FakeTelegram,
              clock: Clock) -> AsyncIterator[BotApplication]:
    settings = Settings(token=TOKEN, store_path=tmp_path / "s.sqlite3", flood_messages=1000)
    app = build_application(settings, kb, request=fake, get_updates_request=fake)
    app.bot_data.held = HeldQuestions(clock=clock)
    async with app:
        assert app.post_init is not None
        await app.post_init(app)
        yield app
        await post_shutdown(app)


@pytest.fixture
def person(bot: BotApplication, fake: FakeTelegram) -> Driver:
    return Driver(bot, fake)


def file_text(app: BotApplication) -> str:
    store = app.bot_data.usage.store
    assert store is not None
    store.flush()
    with sqlite3.connect(store.path) as db:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return "\n".join(repr(row) for t in tables for row in db.execute(f"SELECT * FROM {t}"))


def report(app: BotApplication, *extra: str) -> str:
    store = app.bot_data.usage.store
    assert store is not None
    store.flush()
    out = io.StringIO()
    assert cli.main(["report", "--store", str(store.path), *extra], stdout=out,
                    stderr=io.StringIO()) == 0
    return out.getvalue()


async def test_fallback_then_tap_sends_the_question_without_who_asked(
        person: Driver, bot: BotApplication) -> None:
    assert bot.bot_data.engine.ask(MISSED).decision.kind == "fallback"
    await person.send(MISSED)
    assert SEND_LABEL in person.labels
    assert MISSED not in file_text(bot)  # held in memory only
    calls = await person.click(SEND_LABEL)
    [toast] = [c for c in calls if c.method == "answerCallbackQuery"]
    assert "without your name" in toast.params["text"]
    [edit] = [c for c in calls if c.method == "editMessageReplyMarkup"]
    labels = [b["text"] for row in edit.params["reply_markup"]["inline_keyboard"] for b in row]
    assert SEND_LABEL not in labels and labels  # the menu stays, the button goes
    text = report(bot)
    assert MISSED in text and "1 sent with one tap" in text
    stored = file_text(bot)
    assert MISSED in stored and str(USER_ID) not in stored
    assert MISSED in report(bot, "--csv")
    # A second tap on the same button cannot store it twice.
    await person.tap("c:send")
    assert "no longer have that question" in person.text
    assert file_text(bot).count(MISSED) == 1


async def test_untapped_and_expired_questions_never_reach_the_file(
        person: Driver, bot: BotApplication, clock: Clock) -> None:
    assert bot.bot_data.engine.ask(NOT_SENT).decision.kind == "fallback"
    await person.send(NOT_SENT)
    assert SEND_LABEL in person.labels
    clock.now += HOLD_SECONDS + 1  # a few minutes later: forgotten
    await person.click(SEND_LABEL)
    assert "no longer have that question" in person.text
    await person.send("what is the capital of france")  # another miss, never tapped
    stored = file_text(bot)
    assert NOT_SENT not in stored and "france" not in stored
    assert "fallback" in stored  # counted, as before
    held = bot.bot_data.held
    clock.now += HOLD_SECONDS + 1
    held.sweep()
    assert len(held) == 0  # nothing lingers in memory either


async def test_a_dismissed_did_you_mean_offers_the_send_button(
        person: Driver, bot: BotApplication) -> None:
    vague = "is horizant risky the next morning"
    assert bot.bot_data.engine.ask(vague).decision.kind == "suggest"
    await person.send(vague)
    assert "None of these" in person.labels
    await person.click("None of these")
    assert SEND_LABEL in person.labels
    await person.click(SEND_LABEL)
    text = report(bot)
    assert vague in text and "dismissed (none of these): 1" in text


async def test_thumbs_down_asks_what_was_missing_counts_it_and_offers_sending(
        person: Driver, bot: BotApplication) -> None:
    question = "does neurontin help restless legs"
    await person.send(question)
    await person.click("👎 Not helpful")
    assert "What was missing?" in person.text
    assert {"Wrong topic", "Too vague", "Too hard to read", "Something else",
            SEND_LABEL} <= set(person.labels)
    await person.click("Too vague")
    assert person.labels == [SEND_LABEL]  # the reasons go, one answer per 👎
    text = report(bot)
    assert "gabapentin_efficacy:vague: 1" in text
    assert question not in file_text(bot)  # a reason is a count, not the question
    await person.click(SEND_LABEL)
    assert question in file_text(bot)


async def test_nothing_is_held_or_offered_in_groups(person: Driver, bot: BotApplication,
                                                    fake: FakeTelegram) -> None:
    await person.send(f"@{fake.username} {MISSED}", chat_type="supergroup")
    assert SEND_LABEL not in person.labels
    assert len(bot.bot_data.held) == 0


def test_held_questions_are_bounded_and_expire() -> None:
    clock = Clock()
    held = HeldQuestions(seconds=60, limit=3, clock=clock)
    for chat in range(5):
        held.hold(chat, f"q{chat}")
    assert len(held) == 3 and held.take(0) is None and held.take(4) == "q4"
    assert held.take(4) is None  # taken once
    clock.now += 61
    assert held.take(3) is None


def test_privacy_text_tells_about_holding(kb: KnowledgeBase) -> None:
    privacy = kb.messages["privacy"]
    assert "Send this question to the curators" in privacy
    assert "forgotten and never stored" in privacy

