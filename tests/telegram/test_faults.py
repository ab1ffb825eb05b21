"""Faults: Telegram answers 429 or 5xx, or never answers; every update still gets one reply.

The real application runs over the fake Bot API with ``Fault``s scripted per method (and per
chat): PTB's ``AIORateLimiter`` waits out a 429 and tries again, our ``with_retries`` tries
a 5xx or a timeout again, and whatever still fails goes to the error handler. "Delivered"
means Telegram accepted the call, so counting delivered ``sendMessage``s per chat counts
what each person actually sees: one answer, never none, never two.
"""

from __future__ import annotations

import asyncio
import logging
import random
from typing import Any

import pytest
from telegram.error import NetworkError, RetryAfter
from telegram.ext import _aioratelimiter

from bot.app import BotApplication
from bot.core.kb import KnowledgeBase
from bot.handlers import common
from bot.handlers import errors as error_handler
from tests.telegram.conftest import assert_telegram_html
from tests.telegram.fake import USER_ID, Call, Driver, FakeTelegram, Fault

QUESTION = "does gabapentin help restless legs"
QUESTIONS = (
    QUESTION, "what are the side effects of gabapentin", "how much gabapentin should I take",
    "can I drink alcohol with gabapentin", "what is restless legs syndrome", "hello",
    "tips for sleeping better", "xyzzy plugh",
)
TRANSIENT = (Fault.too_many_requests, Fault.server_error, Fault.bad_gateway, Fault.timeout)

# PTB's own RetryAfter.__init__ reads its deprecated int ``retry_after``: not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore:.*retry_after.*:DeprecationWarning")


class _RecordedSleeps:
    """Stands in for ``asyncio`` inside PTB's rate limiter: records its retry_after pauses
    instead of waiting them out (1.1 s each), and passes everything else through."""

    def __init__(self) -> None:
        self.sleeps: list[float] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(asyncio, name)

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        await asyncio.sleep(0)


@pytest.fixture(autouse=True)
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(common, "RETRY_DELAYS", (0.0,) * len(common.RETRY_DELAYS))


@pytest.fixture
def limiter_sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    recorded = _RecordedSleeps()
    monkeypatch.setattr(_aioratelimiter, "asyncio", recorded)
    return recorded.sleeps


@pytest.fixture
def errors(app: BotApplication) -> list[BaseException]:
    """Every error that reached the error handlers (ours runs too; this one only records)."""
    seen: list[BaseException] = []

    async def record(update: object, context: Any) -> None:
        seen.append(context.error)

    app.add_error_handler(record)
    return seen


def sent_to(fake: FakeTelegram, chat_id: int) -> list[Call]:
    return [c for c in fake.delivered if c.method == "sendMessage" and c.chat_id == chat_id]


async def baseline(user: Driver, questions: tuple[str, ...]) -> dict[str, list[str]]:
    """What each question gets with no faults at all (asked by a bystander, user 1)."""
    answers = {}
    for question in questions:
        await user.send(question, user_id=1)
        answers[question] = [c.text for c in user.replies]
    return answers


# --------------------------------------------------------------------------- one update


@pytest.mark.parametrize("faults", [
    pytest.param([Fault.too_many_requests()], id="429"),
    pytest.param([Fault.bad_gateway()], id="502"),
    pytest.param([Fault.server_error(), Fault.server_error()], id="500x2"),
    pytest.param([Fault.timeout()], id="timeout"),
    pytest.param([Fault.timeout(), Fault.bad_gateway()], id="timeout+502"),
    pytest.param([Fault.too_many_requests(), Fault.bad_gateway(), Fault.too_many_requests(),
                  Fault.timeout()], id="429+502+429+timeout"),
])
async def test_transient_failures_then_one_reply(
        user: Driver, errors: list[BaseException], limiter_sleeps: list[float],
        faults: list[Fault]) -> None:
    [expected] = (await baseline(user, (QUESTION,))).values()
    user.fake.script("sendMessage", *faults, chat_id=USER_ID)
    await user.send(QUESTION)
    assert user.fake.pending_faults == 0
    assert [c.text for c in sent_to(user.fake, USER_ID)] == expected
    attempts = [c for c in user.fake.calls + user.fake.timed_out
                if c.method == "sendMessage" and c.chat_id == USER_ID]
    assert len(attempts) == len(faults) + 1
    assert errors == []
    throttled = sum(f.status == 429 for f in faults)
    assert limiter_sleeps == [pytest.approx(1.1)] * throttled  # retry_after 1, + 0.1 s


async def test_a_retry_repeats_only_the_message_that_failed(
        user: Driver, kb: KnowledgeBase, errors: list[BaseException]) -> None:
    """A long question gets a "that was long" note, then the answer: the answer's 502 must
    not send the note again (retries are per Bot API call, not per reply)."""
    async def fail_the_next_send(call: Call) -> None:
        if call.method == "sendMessage" and len(sent_to(user.fake, USER_ID)) == 1:
            user.fake.script("sendMessage", Fault.bad_gateway(), chat_id=USER_ID)

    user.fake.on_call = fail_the_next_send
    await user.send(QUESTION + " and" + " really" * 400)
    note, answer = sent_to(user.fake, USER_ID)
    assert assert_telegram_html(note.text) == kb.messages["too_long"]
    assert "📚 Source" in answer.text
    assert [c.status for c in user.fake.named("sendMessage")] == [200, 502, 200]
    assert errors == []


async def test_backoff_waits_between_attempts(
        user: Driver, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(common, "RETRY_DELAYS", (0.05, 0.1))
    user.fake.script("sendMessage", Fault.bad_gateway(), Fault.bad_gateway(), chat_id=USER_ID)
    loop = asyncio.get_running_loop()
    start = loop.time()
    await user.send(QUESTION)
    assert loop.time() - start >= 0.15
    assert len(user.replies) == 1


@pytest.mark.parametrize("status", [400, 403])
async def test_permanent_errors_are_not_retried(user: Driver, status: int) -> None:
    user.fake.always_fail["sendMessage"] = (status, "Bad Request: chat not found"
                                            if status == 400 else "Forbidden: bot was blocked")
    await user.send(QUESTION)
    # the handler's one attempt, plus (400 only) the error handler's one attempt
    assert len(user.fake.named("sendMessage")) == (2 if status == 400 else 1)


async def test_a_429_the_rate_limiter_gives_up_on_is_not_retried_again(
        user: Driver, kb: KnowledgeBase, errors: list[BaseException],
        limiter_sleeps: list[float]) -> None:
    tries = 3 + 1  # AIORateLimiter(max_retries=3) in build_application
    user.fake.script("sendMessage", *[Fault.too_many_requests()] * tries, chat_id=USER_ID)
    await user.send(QUESTION)
    assert [type(e) for e in errors] == [RetryAfter]
    assert len(limiter_sleeps) == tries - 1
    *throttled, notice = user.fake.named("sendMessage")
    assert [c.status for c in throttled] == [429] * tries  # not tries x our attempts
    assert assert_telegram_html(notice.text) == kb.messages["error"]


async def wait_for(condition: Any, seconds: float = 5.0) -> None:
    """Until ``condition()`` holds (bounded): the apology is sent by a background task."""
    loop = asyncio.get_running_loop()
    end = loop.time() + seconds
    while not condition():
        assert loop.time() < end, "timed out"
        await asyncio.sleep(0.01)


async def test_a_lasting_outage_ends_in_one_apology_when_telegram_is_back(
        user: Driver, kb: KnowledgeBase, errors: list[BaseException],
        caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(error_handler, "APOLOGY_BACKOFF", (0.01,))
    [expected] = (await baseline(user, (QUESTION,))).values()
    attempts = len(common.RETRY_DELAYS) + 1
    user.fake.script("sendMessage", *[Fault.bad_gateway()] * (attempts + 2), chat_id=USER_ID)
    with caplog.at_level(logging.WARNING):
        await user.send(QUESTION)  # must not raise
    assert [type(e) for e in errors] == [NetworkError]
    assert "an apology will follow" in caplog.text
    # the handler gave up after `attempts`; the apology got through on its 3rd try
    await wait_for(lambda: sent_to(user.fake, USER_ID))
    [notice] = sent_to(user.fake, USER_ID)
    assert assert_telegram_html(notice.text) == kb.messages["error"]
    assert user.fake.pending_faults == 0
    await user.send(QUESTION)
    assert [c.text for c in user.replies] == expected


async def test_telegram_down_for_good_nothing_crashes_and_recovery_is_clean(
        user: Driver, kb: KnowledgeBase, errors: list[BaseException],
        caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(error_handler, "APOLOGY_BACKOFF", (0.01,))
    [expected] = (await baseline(user, (QUESTION,))).values()
    user.fake.always_fail["sendMessage"] = (502, "Bad Gateway")
    with caplog.at_level(logging.WARNING):
        for _ in range(3):
            await user.send(QUESTION)
        await asyncio.sleep(0.05)  # the apology keeps failing meanwhile
    assert len(errors) == 3
    assert caplog.text.count("an apology will follow") == 3
    assert sent_to(user.fake, USER_ID) == []
    del user.fake.always_fail["sendMessage"]
    await wait_for(lambda: sent_to(user.fake, USER_ID))
    await user.send(QUESTION)
    # three answers lost, one apology for them; then answers as usual, no backlog
    apology, *answer = [c.text for c in sent_to(user.fake, USER_ID)]
    assert assert_telegram_html(apology) == kb.messages["error"]
    assert answer == expected


async def test_a_read_timeout_after_delivery_can_repeat_the_answer(
        user: Driver, errors: list[BaseException], caplog: pytest.LogCaptureFixture) -> None:
    """The documented at-least-once trade-off (``common.with_retries``): Telegram took the
    message but its answer was lost, so the retry shows the answer a second time. If this
    ever changes, update that docstring."""
    user.fake.script("sendMessage", Fault.lost_answer(), chat_id=USER_ID)
    with caplog.at_level(logging.WARNING):
        await user.send(QUESTION)
    first, second = sent_to(user.fake, USER_ID)
    assert first.text == second.text
    assert "it may have arrived" in caplog.text
    assert errors == []


# --------------------------------------------------------------------------- buttons


async def test_button_tap_survives_a_failing_answer_and_edit(
        user: Driver, errors: list[BaseException], limiter_sleeps: list[float]) -> None:
    await user.send("/tips")
    user.fake.script("answerCallbackQuery", Fault.timeout())
    user.fake.script("editMessageText", Fault.bad_gateway(), Fault.too_many_requests())
    calls = await user.click("Next ▶")
    assert user.fake.pending_faults == 0
    delivered = [c.method for c in calls if c.delivered]
    assert delivered == ["answerCallbackQuery", "editMessageText"]
    assert "<i>Tip 2 of 7</i>" in user.replies[0].text
    assert errors == []


async def test_spinner_that_cannot_be_stopped_does_not_stop_the_edit(
        user: Driver, errors: list[BaseException], caplog: pytest.LogCaptureFixture) -> None:
    await user.send("/tips")
    user.fake.always_fail["answerCallbackQuery"] = (502, "Bad Gateway")
    with caplog.at_level(logging.WARNING):
        await user.click("Next ▶")
    assert len(user.fake.named("answerCallbackQuery")) == len(common.RETRY_DELAYS) + 1
    [reply] = user.replies
    assert reply.method == "editMessageText"
    assert "<i>Tip 2 of 7</i>" in reply.text
    assert "callback query not answered" in caplog.text
    assert errors == []


# --------------------------------------------------------------------------- many updates


@pytest.mark.parametrize("seed", [1, 2])
async def test_batch_with_interleaved_faults_one_reply_each(
        user: Driver, fake: FakeTelegram, errors: list[BaseException],
        limiter_sleeps: list[float], seed: int) -> None:
    """30 people at once (as ``concurrent_updates`` handles them), their sends failing in
    a seeded random mix, each within the retries: all answered, once, with the answer."""
    rng = random.Random(seed)
    expected = await baseline(user, QUESTIONS)
    people = {2000 + n: rng.choice(QUESTIONS) for n in range(30)}
    scripted = 0
    for person in people:  # up to two transient faults each: always within the retries
        faults = [rng.choice(TRANSIENT)() for _ in range(rng.choice((0, 1, 1, 2)))]
        fake.script("sendMessage", *faults, chat_id=person)
        scripted += len(faults)
    order = list(people)
    rng.shuffle(order)
    await asyncio.gather(*(user.send(people[p], user_id=p) for p in order))

    assert fake.pending_faults == 0
    assert scripted >= 20  # the faults really were played
    received = {p: len(sent_to(fake, p)) for p in people}
    lost = [p for p, n in received.items() if n < len(expected[people[p]])]
    doubled = [p for p, n in received.items() if n > len(expected[people[p]])]
    assert (lost, doubled) == ([], [])
    for person, question in people.items():
        assert [c.text for c in sent_to(fake, person)] == expected[question], person
    assert errors == []
