"""Curation without health data: feedback, missed questions, /suggest, /stats, /reload, logs.

Every test drives the real application over the fake Bot API with a real SQLite store in
``tmp_path``, and the privacy tests read that file directly to prove what it does not hold.
"""

from __future__ import annotations

import asyncio
import io
import logging
import os
import shutil
import signal
import sqlite3
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from telegram import Update

from bot import cli
from bot.app import BotApplication, build_application, post_shutdown, run_bot
from bot.config import Settings
from bot.core.kb import DEFAULT_DIR, KnowledgeBase, load_knowledge_base
from bot.store import Store
from tests.telegram.fake import (
    OTHER_USER_ID,
    TOKEN,
    USER_ID,
    Driver,
    FakeTelegram,
    poll_then_stop,
)

ADMIN_ID = 4242
QUESTION = "my legs crawl at night does neurontin help restless legs"


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return tmp_path / "state" / "rls-bot.sqlite3"


@pytest.fixture
def kb_dir(tmp_path: Path) -> Path:
    """A private copy of the real knowledge base that tests may break and fix."""
    target = tmp_path / "knowledge"
    shutil.copytree(DEFAULT_DIR, target)
    return target


@pytest.fixture
async def curated(store_path: Path, kb_dir: Path, fake: FakeTelegram
                  ) -> AsyncIterator[BotApplication]:

    settings = Settings(token=TOKEN, store_path=store_path, admin_user_ids=frozenset({ADMIN_ID}),
                        flood_messages=1000)
    application = build_application(settings, load_knowledge_base(kb_dir), request=fake,
                                    get_updates_request=fake)
    async with application:
        assert application.post_init is not None
        await application.post_init(application)
        yield application
        await post_shutdown(application)


@pytest.fixture
def person(curated: BotApplication, fake: FakeTelegram) -> Driver:
    return Driver(curated, fake)


def store_of(app: BotApplication) -> Store:
    store = app.bot_data.usage.store
    assert store is not None
    return store


def dump(path: Path) -> str:
    """Every value of every row of every table, as one text to search."""
    with sqlite3.connect(path) as db:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return "\n".join(repr(row) for t in tables for row in db.execute(f"SELECT * FROM {t}"))


# ------------------------------------------------------------------------------ feedback


async def test_medical_answers_ask_was_this_helpful_and_count_votes(
        person: Driver, curated: BotApplication) -> None:
    await person.send(QUESTION)
    answer = person.last_keyboard()
    assert "👍 Helpful" in answer.labels and "👎 Not helpful" in answer.labels
    calls = await person.click("👍 Helpful")
    toast = [c for c in calls if c.method == "answerCallbackQuery"]
    assert toast and "thank" in str(toast[0].params.get("text", "")).lower()
    [edit] = [c for c in calls if c.method == "editMessageReplyMarkup"]
    labels = [b["text"] for row in edit.params["reply_markup"]["inline_keyboard"] for b in row]
    assert "👍 Helpful" not in labels and "☰ Menu" in labels  # one vote; the answer stays
    report = store_of(curated).report(1)
    [row] = [r for r in report.intents if r.intent == "gabapentin_efficacy"]
    assert (row.answers, row.up, row.down) == (1, 1, 0)


async def test_small_talk_has_no_vote_buttons(person: Driver) -> None:
    await person.send("hello there")
    assert not any(label.startswith("👍") for label in person.labels)


async def test_fallbacks_and_did_you_mean_are_counted(
        person: Driver, curated: BotApplication) -> None:
    engine = curated.bot_data.engine
    vague = "is horizant risky the next morning"
    offered = engine.ask(vague).decision
    assert offered.kind == "suggest"  # the case this test is about
    await person.send("what is the capital of france")
    await person.send(vague)
    assert offered.candidates[0].intent_id in person.last_keyboard().text or person.labels
    await person.tap(f"i:pick:{offered.candidates[0].intent_id}")
    report = store_of(curated).report(1)
    assert sum(report.fallbacks_per_day.values()) == 1
    assert report.offers == 1
    assert report.confusions == [(">".join(c.intent_id for c in offered.candidates), 1)]
    assert report.picks == {offered.candidates[0].intent_id: 1}


# ------------------------------------------------------------------------------ /suggest


async def test_suggest_keeps_the_question_without_who_asked(
        person: Driver, curated: BotApplication, store_path: Path) -> None:
    await person.send("/suggest can gabapentin cause vivid dreams")
    assert "without your name" in person.text
    await person.send("/suggest")
    assert "/suggest followed by your question" in person.text
    store_of(curated).flush()
    content = dump(store_path)
    assert "can gabapentin cause vivid dreams" in content
    assert str(USER_ID) not in content


async def test_privacy_says_what_is_kept(person: Driver, kb: KnowledgeBase) -> None:
    await person.send("/privacy")
    assert "/suggest" in person.text and "no user id" in person.text


# ------------------------------------------------------------------------------ privacy


async def test_the_store_holds_counts_only_no_user_ids_no_text(
        person: Driver, curated: BotApplication, store_path: Path) -> None:
    questions = [QUESTION, "is horizant the same as neurontin", "what is the capital of france",
                 "caffeine and restless legs"]
    for n, question in enumerate(questions):
        await person.send(question, user_id=USER_ID + n)
    await person.send("does gabapentin make you sleepy", user_id=OTHER_USER_ID)
    await person.click("👎 Not helpful", user_id=OTHER_USER_ID)
    await post_shutdown(curated)  # what SIGTERM does: flush and close
    content = dump(store_path)
    for user_id in (*(USER_ID + n for n in range(len(questions))), OTHER_USER_ID):
        assert str(user_id) not in content
    for word in ("crawl", "neurontin", "horizant", "capital", "france", "caffeine", "sleepy"):
        assert word not in content.lower()  # no trace of what anyone asked
    with sqlite3.connect(store_path) as db:
        columns = {row[1] for t in ("daily_counts", "suggested_questions")
                   for row in db.execute(f"PRAGMA table_info({t})")}
    assert columns == {"day", "kind", "key", "n", "id", "text"}
    report = Store(store_path).report(1)
    answered = {r.intent: r.answers for r in report.intents}
    assert answered["gabapentin_efficacy"] == 1
    assert answered["gabapentin_enacarbil"] == 1
    assert answered["selfcare_triggers"] == 1
    assert answered["gabapentin_side_effects"] == 1
    assert sum(report.fallbacks_per_day.values()) == 1
    assert {r.intent: r.down for r in report.intents}["gabapentin_side_effects"] == 1


# ------------------------------------------------------------------------------ admin


async def test_stats_is_for_admins_only(person: Driver) -> None:
    await person.send("/stats")  # an ordinary user: like any command we do not have
    assert "rls-bot report" not in person.text
    assert "💬 Ask a question" in person.labels
    replies = await person.send("/stats", chat_type="group")
    assert replies == []  # in a group, an unknown command gets silence
    await person.send(QUESTION, user_id=ADMIN_ID)
    await person.send("/stats", user_id=ADMIN_ID)
    assert "rls-bot report" in person.text and "gabapentin_efficacy" in person.text


@pytest.mark.parametrize("command", ["/stats", "/reload"])
async def test_admin_commands_do_nothing_in_a_group_even_for_an_admin(
        person: Driver, curated: BotApplication, command: str) -> None:
    """The report lists suggested questions: posting it to a group would publish them."""
    before = curated.bot_data.engine
    replies = await person.send(command, chat_type="group", user_id=ADMIN_ID)
    assert replies == []
    assert curated.bot_data.engine is before  # no reload either
    await person.send(command, user_id=ADMIN_ID)  # the same admin, privately: it works
    assert person.replies


def test_store_file_is_0600_whatever_the_umask(tmp_path: Path) -> None:
    import stat

    old = os.umask(0)
    try:
        store = Store(tmp_path / "new" / "store.sqlite3")
        store.add_suggestion("a question someone chose to send")
        store.close()
    finally:
        os.umask(old)
    files = list((tmp_path / "new").iterdir())
    assert files
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


async def test_reload_refuses_a_broken_edit_then_takes_the_fix_without_restart(
        person: Driver, curated: BotApplication, kb_dir: Path) -> None:
    before = curated.bot_data.engine
    intents = kb_dir / "intents" / "gabapentin.yml"
    good = intents.read_text(encoding="utf-8")
    intents.write_text(good.replace("sources: [garcia_borreguero_2002",
                                    "sources: [no_such_source", 1), encoding="utf-8")
    await person.send("/reload")  # not an admin: nothing happens
    assert curated.bot_data.engine is before
    await person.send("/reload", user_id=ADMIN_ID)
    assert "Reload refused" in person.text and "no_such_source" in person.text
    assert "gabapentin.yml" in person.text
    assert curated.bot_data.engine is before
    await person.send(QUESTION)  # the old knowledge base keeps answering
    assert "Does gabapentin help RLS?" in person.text

    intents.write_text(good.replace("title: Does gabapentin help RLS?",
                                    "title: Does gabapentin ease RLS?", 1), encoding="utf-8")
    await person.send("/reload", user_id=ADMIN_ID)
    assert f"Reloaded: {len(load_knowledge_base(kb_dir).intents)} intents" in person.text
    await person.send(QUESTION)
    assert "Does gabapentin ease RLS?" in person.text


async def test_sighup_reloads(person: Driver, curated: BotApplication, kb_dir: Path) -> None:
    from bot.app import install_reload_signal

    before = curated.bot_data.engine
    install_reload_signal(curated)
    try:
        os.kill(os.getpid(), signal.SIGHUP)
        # A reload reads and indexes everything again (about 2 s, more on a busy machine):
        # up to 15 s.
        for _ in range(750):
            await asyncio.sleep(0.02)
            if curated.bot_data.engine is not before:
                break
    finally:
        asyncio.get_running_loop().remove_signal_handler(signal.SIGHUP)
    assert curated.bot_data.engine is not before


# ------------------------------------------------------------------------------ logs


async def test_one_structured_log_line_per_update_without_text_or_token(
        curated: BotApplication, person: Driver, caplog: pytest.LogCaptureFixture) -> None:
    hello: dict[str, Any] = {"update_id": 77,
                             "message": {**person.message("private"), "text": "hello there"}}
    asked: dict[str, Any] = {"update_id": 78,
                             "message": {**person.message("private"), "text": QUESTION}}
    update = Update.de_json(hello, curated.bot)
    question_update = Update.de_json(asked, curated.bot)
    with caplog.at_level(logging.INFO):
        for upd in (update, question_update):
            assert upd is not None
            await curated.update_processor.process_update(upd, curated.process_update(upd))
    lines = [r.getMessage() for r in caplog.records if r.name == "rls_bot.updates"]
    assert len(lines) == 2
    assert lines[1].startswith("update=78 kind=text intent=gabapentin_efficacy decision=answer")
    assert "latency_ms=" in lines[1]
    for record in caplog.records:
        assert QUESTION not in record.getMessage() and TOKEN not in record.getMessage()


# ------------------------------------------------------------------------------ report CLI


def test_report_cli_prints_counts_and_csv(store_path: Path) -> None:
    store = Store(store_path)
    for _ in range(3):
        store.count("answer", "iron_and_rls")
    store.count("feedback_up", "iron_and_rls")
    store.count("feedback_down", "iron_and_rls")
    store.count("fallback")
    store.count("suggest_offer", "rls_sleep>selfcare_sleep_schedule")
    store.add_suggestion("does gabapentin interact with   melatonin")
    store.close()
    out, err = io.StringIO(), io.StringIO()
    assert cli.main(["report", "--store", str(store_path), "--days", "7"],
                    stdout=out, stderr=err) == 0
    text = out.getvalue()
    assert "iron_and_rls" in text and "50%" in text
    assert "rls_sleep>selfcare_sleep_schedule: 1" in text
    assert "does gabapentin interact with melatonin" in text
    out = io.StringIO()
    assert cli.main(["report", "--store", str(store_path), "--csv"], stdout=out,
                    stderr=err) == 0
    rows = out.getvalue().splitlines()
    assert rows[0] == "section,day,key,value"
    assert "answers,,iron_and_rls,3" in rows and "helpful_up,,iron_and_rls,1" in rows


def test_report_without_a_store_is_one_line(tmp_path: Path) -> None:
    err = io.StringIO()
    assert cli.main(["report", "--store", str(tmp_path / "none.sqlite3")], stdout=io.StringIO(),
                    stderr=err) == 1
    assert err.getvalue().count("\n") == 1


# ------------------------------------------------------------------------------ SIGTERM


def test_sigterm_finishes_the_reply_and_flushes_counts(kb: KnowledgeBase, store_path: Path
                                                       ) -> None:
    settings = Settings(token=TOKEN, store_path=store_path)
    fake = FakeTelegram()
    question = {"update_id": 1, "message": {
        "message_id": 1, "date": int(time.time()), "text": QUESTION,
        "chat": {"id": USER_ID, "type": "private"},
        "from": {"id": USER_ID, "is_bot": False, "first_name": "Pat"}}}
    # SIGTERM is what systemd and docker stop send.
    fake.get_updates = poll_then_stop(fake, [question], signal.SIGTERM)
    assert run_bot(settings, kb, request=fake, stderr=io.StringIO()) == 0
    assert len(fake.named("sendMessage")) == 1  # the reply went out, exactly once
    report = Store(store_path).report(1)
    assert [(r.intent, r.answers) for r in report.intents] == [("gabapentin_efficacy", 1)]
