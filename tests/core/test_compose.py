"""Replies as plain data: sources and disclaimer on every medical answer, menus that lead
somewhere, button data that fits Telegram's 64 bytes, and a core that never imports telegram.
"""

from __future__ import annotations

import ast
import re
from collections import deque
from pathlib import Path

import pytest

from bot.core import actions, compose, menus
from bot.core.engine import Engine
from bot.core.kb import KnowledgeBase
from bot.core.matcher import Candidate
from bot.core.reply import Reply
from tests.conftest import REPO_ROOT

YEAR_LABEL = re.compile(r", (19|20)\d\d$")
GUIDELINE_BODIES = {
    "guideline_aasm": ("AASM", ("2012", "2024")),
    "guideline_efns": ("EFNS", ("2012",)),
    "guideline_irlssg": ("IRLSSG", ("2016",)),
}


def datas(reply: Reply) -> list[str]:
    return [b.data for b in reply.all_buttons]


def assert_cited(reply: Reply, kb: KnowledgeBase) -> None:
    assert reply.disclaimer == kb.disclaimer
    assert reply.sources
    for ref in reply.sources:
        assert YEAR_LABEL.search(ref.label) or ref.label.endswith("(web page)"), ref.label
        assert ref.url.startswith("https://"), ref
        assert ref.citation


# ------------------------------------------------------------------------------ answers


def test_every_intent_answer_renders(kb: KnowledgeBase) -> None:
    for intent in kb.intents.values():
        reply = compose.answer(kb, intent)
        assert reply.text == intent.answer
        assert reply.intent_id == intent.id
        if intent.medical:
            assert_cited(reply, kb)
        else:
            assert reply.disclaimer == ""


def test_every_medical_details_reply_is_cited(kb: KnowledgeBase) -> None:
    for intent in kb.intents.values():
        reply = compose.details(kb, intent)
        assert reply.text == (intent.details or intent.answer)
        if intent.medical:
            assert_cited(reply, kb)


def test_answer_buttons(kb: KnowledgeBase) -> None:
    for intent in kb.intents.values():
        if intent.id == "urgent_help":
            continue
        reply = compose.answer(kb, intent)
        data = datas(reply)
        assert data[-1] == actions.menu("main")
        assert (actions.intent("more", intent.id) in data) == bool(intent.details)
        for related in intent.related:
            assert actions.intent("show", related) in data


def test_the_sources_intent_lists_every_source(kb: KnowledgeBase) -> None:
    reply = compose.answer(kb, kb.intents["sources"])
    assert [s.id for s in reply.sources] == list(kb.sources)


def test_urgent_reply_stands_alone(kb: KnowledgeBase, engine: Engine) -> None:
    reply = engine.ask("i took too many pills").reply
    assert reply.kind == "urgent"
    assert reply.buttons == ()
    assert reply.text == kb.intents["urgent_help"].answer
    assert_cited(reply, kb)


def test_feedback_buttons_only_when_asked_and_medical(kb: KnowledgeBase) -> None:
    medical = compose.answer(kb, kb.intents["gabapentin_efficacy"], feedback=True)
    # The vote row sits just above the menu button, the last row.
    assert datas(medical)[-3:] == ["f:up:gabapentin_efficacy", "f:down:gabapentin_efficacy",
                                   "m:main"]
    assert not any(d.startswith("f:") for d in
                   datas(compose.answer(kb, kb.intents["gabapentin_efficacy"])))
    assert not any(d.startswith("f:") for d in
                   datas(compose.answer(kb, kb.intents["greeting"], feedback=True)))


def test_suggest_reply_offers_each_candidate(kb: KnowledgeBase) -> None:
    candidates = [Candidate("gabapentin_dosage", 55.0, "x"),
                  Candidate("gabapentin_side_effects", 50.0, "y")]
    reply = compose.suggest(kb, candidates)
    assert reply.kind == "suggest"
    assert reply.text == kb.messages["suggest"]
    assert datas(reply) == ["i:pick:gabapentin_dosage", "i:pick:gabapentin_side_effects",
                            "m:main"]
    assert [b.label for b in reply.all_buttons][:2] == [
        kb.intents["gabapentin_dosage"].title, kb.intents["gabapentin_side_effects"].title]


@pytest.mark.parametrize("key", ["fallback", "empty"])
def test_fallback_offers_the_main_menu(kb: KnowledgeBase, key: str) -> None:
    reply = compose.fallback(kb, key)
    assert reply.text == kb.messages[key]
    assert datas(reply) == [actions.menu(name) for _, name in compose.MAIN_MENU]


# ------------------------------------------------------------------------------ menus


def test_main_menu_has_six_buttons(kb: KnowledgeBase) -> None:
    reply = menus.main_menu(kb)
    assert reply.text == kb.messages["menu"]
    assert datas(reply) == ["m:ask", "m:gabapentin", "m:tips", "m:guidelines", "m:about",
                            "m:sources"]
    assert menus.main_menu(kb, welcome=True).text == kb.messages["welcome"]


@pytest.mark.parametrize("n", range(1, 8))
def test_tips_page_through_seven(kb: KnowledgeBase, n: int) -> None:
    assert len(kb.tips) == 7
    reply = menus.tip(kb, n)
    assert reply.footer == f"Tip {n} of 7"
    assert reply.intent_id == kb.tips[n - 1]
    assert reply.text == kb.intents[kb.tips[n - 1]].answer
    assert_cited(reply, kb)
    data = datas(reply)
    assert (f"t:show:{n - 1}" in data) == (n > 1)
    assert (f"t:show:{n + 1}" in data) == (n < 7)
    assert data[-1] == "m:main"
    labels = [b.label for b in reply.all_buttons]
    assert ("◀ Prev" in labels) == (n > 1)
    assert ("Next ▶" in labels) == (n < 7)


@pytest.mark.parametrize(("asked", "shown"), [(0, 1), (-3, 1), (8, 7), (10**9, 7)])
def test_tip_position_is_clamped(kb: KnowledgeBase, asked: int, shown: int) -> None:
    assert menus.tip(kb, asked).footer == f"Tip {shown} of 7"


def test_guidelines_menu_lists_the_three_bodies(kb: KnowledgeBase) -> None:
    reply = menus.guidelines_menu(kb)
    assert reply.text == kb.messages["guidelines_intro"]
    labels = " ".join(b.label for b in reply.all_buttons)
    for body in ("AASM", "EFNS", "IRLSSG"):
        assert body in labels
    assert datas(reply)[:3] == [f"i:show:{g}" for g in GUIDELINE_BODIES]


@pytest.mark.parametrize("intent_id", list(GUIDELINE_BODIES))
def test_each_guideline_names_its_body_and_years(kb: KnowledgeBase, intent_id: str) -> None:
    body, years = GUIDELINE_BODIES[intent_id]
    reply = menus.guideline(kb, intent_id)
    assert body in reply.text
    for year in years:
        assert year in reply.text
        assert any(ref.label.endswith(year) for ref in reply.sources), (year, reply.sources)
    assert "m:guidelines" in datas(reply)
    assert_cited(reply, kb)


def test_guidelines_overview_names_all_three(kb: KnowledgeBase) -> None:
    text = menus.guideline(kb, "guidelines_overview").text
    for body in ("AASM", "EFNS", "IRLSSG"):
        assert body in text


def test_about_and_sources_menus(kb: KnowledgeBase) -> None:
    about = menus.about_menu(kb)
    assert datas(about) == [f"i:show:{i}" for i in kb.about] + ["m:main"]
    sources = menus.sources_list(kb)
    assert sources.text == kb.messages["sources_intro"]
    assert len(sources.sources) == len(kb.sources)


def test_stale_or_unknown_actions_give_none(kb: KnowledgeBase) -> None:
    for data in ("i:show:retired_intent", "i:more:retired_intent", "f:up:retired_intent",
                 "t:show:", "m:tips:extra:parts"):
        action = actions.decode(data)
        assert action is None or menus.for_action(kb, action) is None, data


def test_feedback_is_thanked(kb: KnowledgeBase) -> None:
    action = actions.decode("f:up:gabapentin_efficacy")
    assert action is not None
    reply = menus.for_action(kb, action)
    assert reply is not None and reply.kind == "notice"


def test_pick_gives_the_answer_with_feedback(kb: KnowledgeBase) -> None:
    action = actions.decode("i:pick:gabapentin_dosage")
    assert action is not None
    reply = menus.for_action(kb, action)
    assert reply is not None
    assert reply.intent_id == "gabapentin_dosage"
    assert "f:up:gabapentin_dosage" in datas(reply)


def test_every_reachable_button_leads_somewhere(kb: KnowledgeBase) -> None:
    """Breadth-first over every button reachable from the main menu (and every did-you-mean
    pick): each decodes, leads to a Reply, and fits in 64 bytes."""
    start = [menus.main_menu(kb, welcome=True), compose.fallback(kb)]
    start += [compose.suggest(kb, [Candidate(i, 50.0, "")]) for i in kb.intents]
    queue: deque[Reply] = deque(start)
    seen: set[str] = set()
    shown: set[str] = set()
    while queue:
        reply = queue.popleft()
        for button in reply.all_buttons:
            assert len(button.data.encode()) <= actions.MAX_BYTES, button
            assert button.label.strip(), button
            if button.data in seen:
                continue
            seen.add(button.data)
            action = actions.decode(button.data)
            assert action is not None, f"undecodable button {button}"
            target = menus.for_action(kb, action)
            assert target is not None, f"dead end: {button}"
            assert target.text.strip(), button
            if target.intent_id:
                shown.add(target.intent_id)
            queue.append(target)
    assert {"m:main", "m:tips", "m:guidelines", "m:about", "m:sources", "m:ask"} <= seen
    assert {f"t:show:{n}" for n in range(1, 8)} <= seen
    assert shown == set(kb.intents)


# ------------------------------------------------------------------------------ actions


@pytest.mark.parametrize(("data", "action"), [
    ("m:main", actions.Action("m", "main")),
    ("t:show:3", actions.Action("t", "show", "3")),
    ("i:more:gabapentin_efficacy", actions.Action("i", "more", "gabapentin_efficacy")),
    ("f:down:rls_sleep", actions.Action("f", "down", "rls_sleep")),
])
def test_action_codec_round_trips(data: str, action: actions.Action) -> None:
    assert actions.decode(data) == action
    assert action.encode() == data


def test_builders_round_trip_for_every_intent(kb: KnowledgeBase) -> None:
    for iid in kb.intents:
        for verb in ("show", "more", "pick"):
            decoded = actions.decode(actions.intent(verb, iid))
            assert decoded == actions.Action("i", verb, iid)
    for name in actions.SCHEMA["m"]:
        assert actions.decode(actions.menu(name)) == actions.Action("m", name)
    assert actions.decode(actions.tip(7)) == actions.Action("t", "show", "7")
    assert actions.decode(actions.feedback("up", "x")) == actions.Action("f", "up", "x")


@pytest.mark.parametrize("data", [
    None, "", ":", "m", "m:", "garbage", "x:main", "z:show:1", "m:nowhere", "i:delete:x",
    "i:show:bad id", "i:show:a;b", "i:show:../../etc", "t:show:-1", "M:MAIN",
    "i:show:" + "a" * 60, "m:main" + " " * 60,
])
def test_action_codec_rejects_garbage(data: str | None) -> None:
    assert actions.decode(data) is None


def test_encode_refuses_more_than_64_bytes() -> None:
    with pytest.raises(ValueError, match="64 bytes"):
        actions.intent("show", "a" * 60)
    # bytes, not characters
    assert len(actions.Action("i", "show", "a" * 57).encode()) == 64
    with pytest.raises(ValueError):
        actions.Action("i", "show", "é" * 29).encode()


def test_forged_unicode_digit_is_stale_not_a_crash(kb: KnowledgeBase) -> None:
    action = actions.decode("t:show:²")
    assert action is None or menus.for_action(kb, action) is not None


# ------------------------------------------------------------------------------ layering


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


CORE_FILES = sorted((REPO_ROOT / "bot" / "core").glob("*.py"))


def test_core_files_found() -> None:
    assert {p.name for p in CORE_FILES} >= {"kb.py", "engine.py", "matcher.py", "compose.py"}


@pytest.mark.parametrize("path", CORE_FILES, ids=lambda p: p.name)
def test_core_never_imports_telegram(path: Path) -> None:
    modules = imported_modules(path)
    assert not {m for m in modules if m == "telegram" or m.startswith("telegram.")}
    assert not re.search(r"^\s*(import|from)\s+telegram\b", path.read_text(encoding="utf-8"),
                         re.MULTILINE)


@pytest.mark.parametrize("path", CORE_FILES, ids=lambda p: p.name)
def test_only_the_matcher_and_the_speller_import_rapidfuzz(path: Path) -> None:
    uses = any(m == "rapidfuzz" or m.startswith("rapidfuzz.") for m in imported_modules(path))
    assert uses == (path.name in {"matcher.py", "spelling.py"})
