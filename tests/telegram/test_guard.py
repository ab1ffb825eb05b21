"""Flood guard: one polite notice, then silence, for that person only."""

from __future__ import annotations

from bot import metrics
from bot.core.kb import KnowledgeBase
from bot.handlers.guard import INLINE_FACTOR, SlidingWindow, Verdict
from tests.telegram.conftest import assert_telegram_html
from tests.telegram.fake import OTHER_USER_ID, Driver

QUESTION = "does gabapentin help restless legs"


def _flood_drops() -> float:
    value = metrics.REGISTRY.get_sample_value("rlsbot_flood_refusals_total", {"verdict": "drop"})
    return value or 0.0


async def test_flood_gets_exactly_one_notice_and_others_are_unaffected(
        user: Driver, kb: KnowledgeBase) -> None:
    replies = []
    for _ in range(25):
        await user.send(QUESTION)
        replies += user.replies
    notices = [r for r in replies if assert_telegram_html(r.text) == kb.messages["flood"]]
    assert len(notices) == 1
    assert len(replies) == 20 + 1  # the limit, then the notice, then silence
    assert replies[20] is notices[0]
    assert "reply_markup" not in notices[0].params
    await user.send(QUESTION, user_id=OTHER_USER_ID)
    assert "📚 Source" in user.text


async def test_flooding_buttons_get_one_toast_then_silent_answers(
        user: Driver, kb: KnowledgeBase) -> None:
    await user.send("/tips")
    toasts = []
    for _ in range(24):
        calls = await user.tap("p:tips:2")
        assert calls[0].method == "answerCallbackQuery"  # the spinner always stops
        toasts += [c.params.get("text") for c in calls if c.method == "answerCallbackQuery"
                   and c.params.get("text")]
    assert toasts == [kb.messages["flood"]]


def test_window_allows_the_limit_then_warns_once_then_drops() -> None:
    now = [0.0]
    window = SlidingWindow(3, 10.0, clock=lambda: now[0])
    assert [window.hit(1) for _ in range(3)] == [Verdict.ALLOW] * 3
    assert window.hit(1) is Verdict.WARN
    assert window.hit(1) is Verdict.DROP
    assert window.hit(2) is Verdict.ALLOW  # someone else
    now[0] = 10.5  # everything above is out of the window
    assert window.hit(1) is Verdict.ALLOW
    assert [window.hit(1) for _ in range(3)] == [Verdict.ALLOW, Verdict.ALLOW, Verdict.WARN]


def test_window_keeps_dropping_while_the_flood_goes_on() -> None:
    now = [0.0]
    window = SlidingWindow(2, 10.0, clock=lambda: now[0])
    verdicts = []
    for _ in range(30):  # one message a second, for 30 s: always 10 in the window
        verdicts.append(window.hit(1))
        now[0] += 1.0
    assert verdicts.count(Verdict.WARN) == 1
    assert verdicts[:2] == [Verdict.ALLOW, Verdict.ALLOW]


def test_window_forgets_people_who_left() -> None:
    now = [0.0]
    window = SlidingWindow(5, 1.0, clock=lambda: now[0])
    for user_id in range(SlidingWindow.SWEEP_EVERY - 1):
        window.hit(user_id)
    now[0] = 5.0
    window.hit(-1)  # the 1000th check sweeps
    assert len(window._events) == 1


async def test_inline_queries_have_their_own_larger_window_then_silence(user: Driver) -> None:
    limit = 20 * INLINE_FACTOR  # settings fixture: 20 per 60 s
    for n in range(limit):
        await user.inline(f"does gabapentin help {n}")
    answered_before = len(user.fake.named("answerInlineQuery"))
    dropped = _flood_drops()
    for n in range(30):
        calls = await user.process({"inline_query": {
            "id": f"x{n}", "from": user.user(), "query": "gabapentin", "offset": ""}})
        assert calls == []  # dropped without a call: there is no chat to say anything in
    assert answered_before == limit
    assert _flood_drops() - dropped == 30  # each counted as a refusal
    # messages keep their own window: typing inline did not use it up
    await user.send(QUESTION)
    assert "📚 Source" in user.text
    # ...and someone else's inline queries are answered
    await user.inline("gabapentin side effects", user_id=OTHER_USER_ID)
