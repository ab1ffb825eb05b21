"""Bad input at scale: any text in, never an exception, always a message Telegram accepts.

Property tests (hypothesis) feed arbitrary Unicode up to 10,000 characters (markup, emoji,
bidi and zero-width marks, control characters, NUL, and the knowledge base's own words so
that matching and the safety rules really run) to normalisation, matching and rendering,
then to the whole application over the fake Bot API. ``HYPOTHESIS_FULL=1`` runs 10,000
examples against the core; the default is 1,000, to keep the suite fast.

The flood test plays one person sending 100 messages in 10 s of simulated time while
someone else keeps asking: one polite notice for the flooder, every answer for the other.
"""

from __future__ import annotations

import asyncio
import html
import itertools
import os
import re
from collections.abc import AsyncIterator
from html.parser import HTMLParser
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from bot.app import BotApplication, build_application
from bot.config import Settings
from bot.core import compose
from bot.core.engine import Engine, Result
from bot.core.kb import KnowledgeBase
from bot.core.normalize import MAX_INPUT_CHARS
from bot.core.reply import Button, Reply, SourceRef
from bot.handlers.guard import FloodGuard
from bot.render import inline_html, render
from tests.telegram.fake import BOT_USERNAME, OTHER_USER_ID, USER_ID, Driver, FakeTelegram

FULL = os.environ.get("HYPOTHESIS_FULL") == "1"
CORE_EXAMPLES = 10_000 if FULL else 1_000
REPLY_EXAMPLES = CORE_EXAMPLES // 5  # each builds and renders up to five 10,000-char fields
APP_EXAMPLES = 2_000 if FULL else 150
MAX_TEXT = 10_000
FUZZ = settings(deadline=None, derandomize=not FULL,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.function_scoped_fixture])
"""Derandomised by default, so the quick run is the same every time (no flaky CI); the full
run explores new inputs each time."""

# --------------------------------------------------------------------------- inputs

ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff\u00ad\u034f\u180e"
BIDI = "\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
CONTROL = "\x00\x01\x07\x08\x0b\x0c\x1b\x7f\x85\u2028\u2029\r\n\t \u00a0\u3000"
MARKUP = "<>&\"'*_`~|[](){}#\\/=;:!?.,-+@$%^"
EMOJI = ("😴", "🦵", "👍🏽", "👨‍👩‍👧", "🇩🇪", "❤️", "1️⃣", "🏳️‍🌈", "\U0001f9ff")
SNIPPETS = (
    "<b>", "</b>", "<i>x</i>", '<a href="javascript:alert(1)">x</a>', "&amp;", "&lt;",
    "&#0;", "&#x110000;", "&bogus;", "&", "<!--", "-->", "<![CDATA[", "<script>", "</a>",
    "<tg-spoiler>", "**bold**", "__it__", "`code`", "```pre```", "[link](http://x)",
    "||spoiler||", "\\", "%s", "{0}", "${x}", "\u0645\u0631\u062d\u0628\u0627", "שלום",
    "Z\u0351\u0352\u0353\u0354\u0355a\u0356\u0357\u0358lgo", "ﬁ", "Ⅻ", "ǅ", "İ", "ß",
)
WORDS = (
    "gabapentin", "Neurontin", "GRALISE", "horizant", "enacarbil", "pregabalin", "dose",
    "600mg", "300 mg", "side effects", "RLS", "restless legs", "Willis-Ekbom", "alcohol",
    "pregnant", "breastfeeding", "kidney", "overdose", "took 20 pills", "suicide",
    "kill myself", "can't breathe", "chest pain", "sleep", "tips", "guidelines", "how",
    "what", "why", "can I", "should", "stop", "help", "thanks", "hello", "?", "!!!",
    "/start", "/menu", "/nonsense", f"@{BOT_USERNAME}", "@someone", "don’t", "can‘t",
)
_special = st.sampled_from(ZERO_WIDTH + BIDI + CONTROL + MARKUP)
_char = st.characters(codec="utf-8") | _special  # any code point but lone surrogates
_piece = (st.text(_char, max_size=40) | st.sampled_from(WORDS) | st.sampled_from(SNIPPETS)
          | st.sampled_from(EMOJI) | _special)
_phrase = st.lists(_piece, max_size=40).flatmap(
    lambda parts: st.sampled_from(("", " ", "\n", "\n\n")).map(lambda sep: sep.join(parts)))


def _repeat(args: tuple[str, int]) -> str:
    phrase, size = args
    phrase = phrase or "restless legs "
    return (phrase * (size // len(phrase) + 1))[:size]


_long = st.tuples(_phrase, st.integers(1, MAX_TEXT)).map(_repeat)
texts = st.one_of(_phrase, _long, st.text(_char, max_size=MAX_TEXT)).map(
    lambda text: text[:MAX_TEXT])
"""Short questions with real words, long repetitive ones (up to 10,000 characters, past
the engine's cut), and raw random Unicode."""


# --------------------------------------------------------------------------- the oracle

TELEGRAM_MAX_CHARS = 4096  # Bot API sendMessage: 1-4096 characters after entities parsing
TELEGRAM_TAGS = {"b", "i", "a", "code", "pre", "u", "s", "tg-spoiler", "blockquote"}
TELEGRAM_ENTITY = re.compile(r"&(?:lt|gt|amp|quot|#[0-9]+|#x[0-9a-fA-F]+);")


class _TelegramHTML(HTMLParser):
    """Telegram's HTML parse mode, as its Bot API docs state it: only these tags, each
    closed, ``<``, ``>`` and ``&`` never bare, only four named entities."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.stack: list[str] = []
        self.text: list[str] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in TELEGRAM_TAGS:
            self.problems.append(f"tag <{tag}>")
        if [name for name, _ in attrs] != (["href"] if tag == "a" else []):
            self.problems.append(f"attributes {attrs} on <{tag}>")
        self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.problems.append(f"self-closing <{tag}/>")

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.stack}")
        else:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if bare := set(data) & set("<>&"):
            self.problems.append(f"bare {''.join(sorted(bare))} in {data[:40]!r}")
        self.text.append(data)

    def handle_entityref(self, name: str) -> None:
        self.text.append(html.unescape(f"&{name};"))

    def handle_charref(self, name: str) -> None:
        self.text.append(html.unescape(f"&#{name};"))

    def handle_comment(self, data: str) -> None:
        self.problems.append("comment")

    def handle_decl(self, decl: str) -> None:
        self.problems.append("declaration")

    def handle_pi(self, data: str) -> None:
        self.problems.append("processing instruction")

    def unknown_decl(self, data: str) -> None:
        self.problems.append("CDATA or unknown declaration")


def assert_telegram_accepts(chunk: str) -> None:
    """One message Telegram would send: valid HTML, not empty, within 4096 characters."""
    utf16_units = len(chunk.encode("utf-16-le")) // 2  # how Telegram counts: 😴 is 2
    assert utf16_units <= TELEGRAM_MAX_CHARS, utf16_units
    for match in re.finditer("&", chunk):
        assert TELEGRAM_ENTITY.match(chunk, match.start()), chunk[match.start():][:20]
    parser = _TelegramHTML()
    parser.feed(chunk)
    parser.close()
    assert parser.problems == [], (parser.problems, chunk[:200])
    assert parser.stack == [], f"unclosed {parser.stack}"
    assert "".join(parser.text).strip(), f"empty message {chunk!r}"


def assert_sendable(reply: Reply) -> list[str]:
    """Every chunk acceptable, the keyboard only on the last, callback data within 64
    bytes: what Telegram needs to take the reply. Returns the chunks."""
    rendered = render(reply)
    messages = rendered.messages()
    assert messages
    for text, markup in messages[:-1]:
        assert markup is None
        assert_telegram_accepts(text)
    assert_telegram_accepts(messages[-1][0])
    for button in reply.all_buttons:
        assert button.label.strip()
        assert 1 <= len(button.data.encode()) <= 64, button.data
    return list(rendered.chunks)


# --------------------------------------------------------------------------- core


@pytest.fixture(scope="module")
def core_engine(kb: KnowledgeBase) -> Engine:
    return Engine(kb)


def test_the_oracle_rejects_what_telegram_rejects() -> None:
    """A test that cannot fail is a bug: the checker itself must say no."""
    for bad in ("a & b", "<b>x", "<p>x</p>", "x</i>", "a < b", "&nbsp;", "<br/>", "<!-- -->",
                '<a href="x" title="y">x</a>', " \n ", "x" * (TELEGRAM_MAX_CHARS + 1),
                "😴" * (TELEGRAM_MAX_CHARS // 2 + 1)):
        with pytest.raises(AssertionError):
            assert_telegram_accepts(bad)
    assert_telegram_accepts('<b>a</b> &amp; <a href="https://x?a=1&amp;b=2">&lt;3</a> &#128564;')


@settings(FUZZ, max_examples=CORE_EXAMPLES)
@given(text=texts)
def test_any_question_gets_a_reply_telegram_accepts(core_engine: Engine, text: str) -> None:
    normalized = core_engine.kb.normalizer.normalize(text)
    assert normalized.canonical == " ".join(normalized.tokens)
    result = core_engine.ask(text)
    event(f"reply: {result.reply.kind}")
    event("longer than the engine's cut" if result.truncated else "short")
    assert result.truncated == (len(text) > MAX_INPUT_CHARS)
    assert_sendable(result.reply)
    for candidate in result.decision.candidates:
        assert candidate.intent_id in core_engine.kb.intents


_field = texts.map(lambda text: text[:3000])
_source = st.builds(SourceRef, id=st.just("s"), label=_field, citation=_field, url=_field)


_replies = st.builds(
    Reply, kind=st.sampled_from(("answer", "info", "urgent", "notice")), text=texts,
    title=_field, footer=_field, disclaimer=_field,
    sources=st.lists(_source, max_size=3).map(tuple),
    buttons=st.just(((Button("☰ Menu", "m:main"),),)))


@settings(FUZZ, max_examples=REPLY_EXAMPLES)
@given(reply=_replies)
def test_any_reply_renders_to_messages_telegram_accepts(reply: Reply) -> None:
    """Any text in any field of a reply: the renderer escapes and splits it (knowledge
    text is reviewed, but the renderer must not depend on that)."""
    assert_sendable(reply)
    assert_telegram_accepts(inline_html(reply))


# --------------------------------------------------------------------------- the application


class _RecordingEngine:
    """The real engine, remembering each result so the test knows what the reply must be."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.results: list[Result] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self.engine, name)

    def ask(self, question: str, **kwargs: Any) -> Result:
        result = self.engine.ask(question, **kwargs)
        self.results.append(result)
        return result


@pytest.fixture
async def fuzz_app(settings: Settings, kb: KnowledgeBase,
                   fake: FakeTelegram) -> AsyncIterator[BotApplication]:
    """Without the rate limiter: its 30 messages a second would make this test wait."""
    application = build_application(settings, kb, request=fake, rate_limiter=False)
    async with application:
        yield application


@settings(FUZZ, max_examples=APP_EXAMPLES)
@given(text=texts.filter(bool))
async def test_any_message_gets_one_reply_and_no_error(
        fuzz_app: BotApplication, fake: FakeTelegram, kb: KnowledgeBase, text: str) -> None:
    errors = _errors_of(fuzz_app)
    recorder = _recorder_of(fuzz_app)
    user_id = next(_people)  # a new person each time: the flood guard is tested below
    errors.clear()
    recorder.results.clear()
    start = len(fake.calls)
    await Driver(fuzz_app, fake).send(text, user_id=user_id)
    calls = fake.calls[start:]
    assert errors == []
    assert calls, "no reply"
    assert all(c.method == "sendMessage" and c.chat_id == user_id and c.delivered
               for c in calls), calls
    for call in calls:
        assert_telegram_accepts(call.text)
    if recorder.results:  # free text: the engine's reply, whole, once
        [result] = recorder.results
        chunks = list(render(result.reply).chunks)
        note = int(result.truncated and result.reply.kind != "urgent")
        assert [c.text for c in calls[note:]] == chunks
        assert len(calls) == note + len(chunks)
    else:  # a command: its menu or page
        assert text.startswith("/"), text


_people = itertools.count(100_000)


_ERRORS: dict[int, list[BaseException]] = {}


def _errors_of(app: BotApplication) -> list[BaseException]:
    """The errors seen by an extra error handler, installed once per application."""
    errors: list[BaseException] | None = _ERRORS.get(id(app))
    if errors is None:
        errors = _ERRORS[id(app)] = []

        async def record(update: object, context: Any) -> None:
            errors.append(context.error)

        app.add_error_handler(record)
    return errors


def _recorder_of(app: BotApplication) -> _RecordingEngine:
    engine = app.bot_data.engine
    if not isinstance(engine, _RecordingEngine):
        engine = app.bot_data.engine = _RecordingEngine(engine)  # type: ignore[assignment]
    return engine


# --------------------------------------------------------------------------- flood

QUESTION = "does gabapentin help restless legs"
OTHER_QUESTIONS = ("what are the side effects of gabapentin", "tips for sleeping better",
                   "can I drink alcohol with gabapentin", "what is restless legs syndrome")


def flood_guard(app: BotApplication) -> FloodGuard:
    """The guard ``register_handlers`` built (its clock is what the test replaces)."""
    guard = app.bot_data.flood
    assert isinstance(guard, FloodGuard)
    return guard


async def test_a_flood_is_throttled_politely_and_others_are_not(
        user: Driver, app: BotApplication, settings: Settings, kb: KnowledgeBase) -> None:
    now = [0.0]
    flood_guard(app).window.clock = lambda: now[0]
    baseline = {}
    for question in OTHER_QUESTIONS:  # what the other person gets with no flood going on
        await user.send(question, user_id=3)
        baseline[question] = [c.text for c in user.replies]
    flooder: list[str] = []
    other: list[tuple[str, list[str]]] = []
    for n in range(100):  # 100 messages in 10 s, someone else asking every second
        now[0] = n * 0.1
        await user.send(QUESTION)
        flooder += [c.text for c in user.replies]
        if n % 10 == 5:
            question = OTHER_QUESTIONS[n // 10 % len(OTHER_QUESTIONS)]
            await user.send(question, user_id=OTHER_USER_ID)
            other.append((question, [c.text for c in user.replies]))

    [notice] = render(compose.notice(kb, "flood", with_menu=False)).chunks
    assert flooder.count(notice) == 1
    assert flooder.index(notice) == settings.flood_messages  # the limit, then the notice
    assert len(flooder) == settings.flood_messages + 1  # then silence
    assert len(other) == 10
    assert all(texts == baseline[question] for question, texts in other)
    # the flood cost Telegram's shared budget no more than the limit and the notice
    to_flooder = [c for c in user.fake.delivered if c.chat_id == USER_ID]
    assert len(to_flooder) == settings.flood_messages + 1

    now[0] = 9.9 + settings.flood_seconds  # every flood message has left the window
    await user.send(QUESTION)
    [answer] = user.replies
    assert answer.text == flooder[0] and answer.text != notice


async def test_a_flood_arriving_all_at_once_still_gets_one_notice(
        user: Driver, app: BotApplication, settings: Settings, kb: KnowledgeBase) -> None:
    """One getUpdates batch, handled concurrently (as ``concurrent_updates`` does)."""
    flood_guard(app).window.clock = lambda: 0.0
    messages = [(QUESTION, USER_ID)] * 100
    for n, question in enumerate(itertools.islice(itertools.cycle(OTHER_QUESTIONS), 10)):
        messages.insert(n * 11 + 5, (question, OTHER_USER_ID))
    await asyncio.gather(*(user.send(text, user_id=who) for text, who in messages))
    [notice] = render(compose.notice(kb, "flood", with_menu=False)).chunks
    to_flooder = [c.text for c in user.fake.delivered if c.chat_id == USER_ID]
    to_other = [c.text for c in user.fake.delivered if c.chat_id == OTHER_USER_ID]
    assert to_flooder.count(notice) == 1
    assert len(to_flooder) == settings.flood_messages + 1
    assert len(to_other) == 10 and notice not in to_other
