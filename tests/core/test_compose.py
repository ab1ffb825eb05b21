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
from bot.core.actions import TopicAction
from bot.core.engine import Engine
from bot.core.kb import KnowledgeBase, Menu
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
    # "Call now" is not followed by "before starting or changing any treatment".
    assert reply.disclaimer == ("" if reply.kind == "urgent" else kb.disclaimer)
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


@pytest.mark.parametrize(("message", "key"), [
    ("i took too many pills", "poison"),
    ("my husband took a handful and now he wont wake up", "emergency"),
    ("i want to kill myself", "crisis"),
    ("my son says he wants to kill himself", "crisis_other"),
])
def test_urgent_reply_stands_alone(kb: KnowledgeBase, engine: Engine, message: str,
                                   key: str) -> None:
    """The tier's fixed text, first and alone: no buttons, no treatment footer, sourced."""
    reply = engine.ask(message).reply
    assert reply.kind == "urgent"
    assert reply.buttons == ()
    assert reply.disclaimer == ""
    assert reply.text == kb.danger.replies["en"][key].text
    assert [s.id for s in reply.sources] == list(kb.danger.replies["en"][key].sources)
    assert_cited(reply, kb)


@pytest.mark.parametrize(("message", "lang", "key"), [
    ("me quiero morir", "es", "crisis"),
    ("mein Mann wacht nicht auf und atmet ganz langsam", "de", "emergency"),
    ("mon fils a avalé des comprimés de gabapentine", "fr", "poison"),
    ("meu marido tomou a caixa toda e não acorda", "pt", "emergency"),
    ("voglio farla finita", "it", "crisis"),
])
def test_urgent_reply_is_in_the_persons_language(engine: Engine, kb: KnowledgeBase,
                                                 message: str, lang: str, key: str) -> None:
    result = engine.ask(message)
    assert result.language == lang
    assert result.reply.text == kb.danger.replies[lang][key].text


def test_a_question_about_a_risk_carries_what_to_call(engine: Engine, kb: KnowledgeBase
                                                      ) -> None:
    reply = engine.ask("can you overdose on gabapentin").reply
    assert reply.kind == "answer"
    assert kb.danger.replies["en"]["risk_line_emergency"].text in reply.text
    assert "poison_help_us" in {s.id for s in reply.sources}
    crisis = engine.ask("does gabapentin cause suicidal thoughts").reply
    assert kb.danger.replies["en"]["risk_line_crisis"].text in crisis.text


@pytest.mark.parametrize("question", ["can gabapentin kill you", "could neurontin be fatal"])
def test_can_it_kill_is_a_question_about_a_risk(engine: Engine, kb: KnowledgeBase,
                                                question: str) -> None:
    result = engine.ask(question)
    assert result.tier is None
    assert result.decision.intent_id == kb.roles.side_effects
    assert kb.danger.replies["en"]["risk_line_emergency"].text in result.reply.text


def test_will_this_many_kill_me_is_a_crisis(engine: Engine) -> None:
    assert engine.ask("will 20 of these kill me tonight").tier == "crisis"


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
    assert datas(reply) == [actions.menu(name) for row in kb.menus["main"].rows for name in row]


# ------------------------------------------------------------------------------ menus


def test_main_menu_has_six_buttons(kb: KnowledgeBase) -> None:
    reply = menus.main_menu(kb)
    assert reply.text == kb.messages["menus.main.text"]
    assert datas(reply) == ["m:ask", "m:gabapentin", "m:tips", "m:guidelines", "m:about",
                            "m:sources"]
    assert menus.main_menu(kb, welcome=True).text == kb.messages["welcome"]


def tips(kb: KnowledgeBase) -> Menu:
    return kb.menus["tips"]


def tip(kb: KnowledgeBase, n: int) -> Reply:
    return menus.page(kb, tips(kb), n)


def topic(kb: KnowledgeBase, intent_id: str) -> Reply:
    reply = menus.topic(kb, TopicAction("show", intent_id))
    assert reply is not None
    return reply


def shown_menu(kb: KnowledgeBase, menu_id: str) -> Reply:
    reply = menus.show(kb, menu_id)
    assert reply is not None
    return reply


@pytest.mark.parametrize("n", range(1, 8))
def test_tips_page_through_seven(kb: KnowledgeBase, n: int) -> None:
    assert len(tips(kb).topics) == 7
    reply = tip(kb, n)
    assert reply.footer == f"Tip {n} of 7"
    assert reply.intent_id == tips(kb).topics[n - 1]
    assert reply.text == kb.intents[tips(kb).topics[n - 1]].answer
    assert_cited(reply, kb)
    data = datas(reply)
    assert (f"p:tips:{n - 1}" in data) == (n > 1)
    assert (f"p:tips:{n + 1}" in data) == (n < 7)
    assert data[-1] == "m:main"
    labels = [b.label for b in reply.all_buttons]
    assert (kb.messages["buttons.prev"] in labels) == (n > 1)
    assert (kb.messages["buttons.next"] in labels) == (n < 7)


@pytest.mark.parametrize(("asked", "shown"), [(0, 1), (-3, 1), (8, 7), (10**9, 7)])
def test_tip_position_is_clamped(kb: KnowledgeBase, asked: int, shown: int) -> None:
    assert tip(kb, asked).footer == f"Tip {shown} of 7"


def test_guidelines_menu_lists_the_three_bodies(kb: KnowledgeBase) -> None:
    reply = shown_menu(kb, "guidelines")
    assert reply.text == kb.messages["menus.guidelines.text"]
    labels = " ".join(b.label for b in reply.all_buttons)
    for body in ("AASM", "EFNS", "IRLSSG"):
        assert body in labels
    assert datas(reply)[:3] == [f"i:show:{g}" for g in GUIDELINE_BODIES]


@pytest.mark.parametrize("intent_id", list(GUIDELINE_BODIES))
def test_each_guideline_names_its_body_and_years(kb: KnowledgeBase, intent_id: str) -> None:
    body, years = GUIDELINE_BODIES[intent_id]
    reply = topic(kb, intent_id)
    assert body in reply.text
    for year in years:
        assert year in reply.text
        assert any(ref.label.endswith(year) for ref in reply.sources), (year, reply.sources)
    assert "m:guidelines" in datas(reply)  # the guidelines menu has "back: true"
    assert_cited(reply, kb)


def test_guidelines_overview_names_all_three(kb: KnowledgeBase) -> None:
    text = topic(kb, "guidelines_overview").text
    for body in ("AASM", "EFNS", "IRLSSG"):
        assert body in text


def test_about_and_sources_menus(kb: KnowledgeBase) -> None:
    about = shown_menu(kb, "about")
    assert datas(about) == ["m:check"] + [f"i:show:{i}" for i in kb.menus["about"].topics] + [
        "m:main"]
    sources = shown_menu(kb, "sources")
    assert sources.text == kb.messages["menus.sources.text"]
    assert len(sources.sources) == len(kb.sources)


def test_stale_or_unknown_actions_give_none(kb: KnowledgeBase) -> None:
    for data in ("i:show:retired_intent", "i:more:retired_intent", "f:up:retired_intent",
                 "p:tips:", "m:tips:extra:parts", "m:retired_menu", "p:about:2"):
        action = actions.decode(data)
        assert action is None or menus.for_action(kb, action) is None, data


def test_feedback_is_thanked_with_a_toast_and_drops_the_vote_row(kb: KnowledgeBase) -> None:
    action = actions.decode("f:up:gabapentin_efficacy")
    assert action is not None
    reply = menus.for_action(kb, action)
    assert reply is not None and reply.toast == kb.messages["feedback_thanks"]
    assert not any(d.startswith("f:") for d in datas(reply))


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
    assert {f"m:{menu_id}" for menu_id in kb.menus} <= seen
    assert {f"p:tips:{n}" for n in range(1, 8)} <= seen
    assert shown == set(kb.intents)


# ------------------------------------------------------------------------------ actions


@pytest.mark.parametrize(("data", "action"), [
    ("m:main", actions.MenuAction("main")),
    ("p:tips:3", actions.PageAction("tips", 3)),
    ("i:more:gabapentin_efficacy", actions.TopicAction("more", "gabapentin_efficacy")),
    ("f:down:rls_sleep", actions.FeedbackAction("down", "rls_sleep")),
])
def test_action_codec_round_trips(data: str, action: actions.Action) -> None:
    assert actions.decode(data) == action
    assert type(action).unpack(data) == action
    assert action.pack() == data


def test_each_family_claims_only_its_own_data() -> None:
    """What lets each Telegram handler register on its family's pattern alone."""
    samples = {actions.MenuAction: "m:tips", actions.PageAction: "p:tips:2",
               actions.TopicAction: "i:show:rls_overview",
               actions.FeedbackAction: "f:up:rls_overview"}
    for family in actions.FAMILIES:
        for other, data in samples.items():
            assert bool(family.PATTERN.match(data)) == (family is other), (family, data)


def test_builders_round_trip_for_every_intent(kb: KnowledgeBase) -> None:
    verbs: tuple[actions.TopicVerb, ...] = ("show", "more", "pick")
    for iid in kb.intents:
        for verb in verbs:
            decoded = actions.decode(actions.intent(verb, iid))
            assert decoded == actions.TopicAction(verb, iid)
    for name in kb.menus:
        assert actions.decode(actions.menu(name)) == actions.MenuAction(name)
    assert actions.decode(actions.page("tips", 7)) == actions.PageAction("tips", 7)
    assert actions.decode(actions.feedback("up", "x")) == actions.FeedbackAction("up", "x")


@pytest.mark.parametrize("data", [
    None, "", ":", "m", "m:", "garbage", "x:main", "z:show:1", "i:delete:x",
    "i:show:bad id", "i:show:a;b", "i:show:../../etc", "p:tips:-1", "M:MAIN",
    "i:show:" + "a" * 60, "m:main" + " " * 60, "p:tips:²", "p:tips:1234",
])
def test_action_codec_rejects_garbage(data: str | None) -> None:
    assert actions.decode(data) is None


def test_pack_refuses_more_than_64_bytes() -> None:
    with pytest.raises(ValueError, match="64 bytes"):
        actions.intent("show", "a" * 60)
    # bytes, not characters
    assert len(actions.TopicAction("show", "a" * 57).pack()) == 64
    with pytest.raises(ValueError):
        actions.TopicAction("show", "é" * 29).pack()


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
def test_only_matching_modules_import_rapidfuzz(path: Path) -> None:
    """Fuzzy matching lives in the matcher, the speller and the danger detector's typo
    correction."""
    uses = any(m == "rapidfuzz" or m.startswith("rapidfuzz.") for m in imported_modules(path))
    assert uses == (path.name in {"matcher.py", "danger.py", "spelling.py"})


@pytest.mark.parametrize("lang", ["es", "de", "fr", "pt", "it"])
def test_a_danger_reply_heads_its_sources_in_its_own_language(kb: KnowledgeBase,
                                                             lang: str) -> None:
    # Found on the last sitting's trial: a Spanish crisis reply ended with "Sources:".
    reply = compose.urgent(kb, "crisis", lang)
    assert len(reply.sources) > 1
    assert reply.sources_title == kb.danger.sources_titles[lang]["many"]
    assert reply.sources_title != kb.text("sources_many")


def test_an_english_danger_reply_keeps_the_english_heading(kb: KnowledgeBase) -> None:
    assert compose.urgent(kb, "crisis", "en").sources_title == kb.text("sources_many")


@pytest.mark.parametrize("question", [
    "как габапентин помогает при синдроме беспокойных ног?",
    "加巴喷丁对不宁腿综合征有用吗",
])
def test_a_question_in_another_script_is_told_which_languages_are_read(
        engine: Engine, kb: KnowledgeBase, question: str) -> None:
    # A new user's trial: Russian and Chinese had got "Sorry ... try asking another way".
    reply = engine.ask(question).reply
    assert reply.kind == "fallback"
    assert reply.text == kb.text("other_script")


def test_an_unanswerable_english_question_keeps_the_ordinary_fallback(
        engine: Engine, kb: KnowledgeBase) -> None:
    assert engine.ask("what is the capital of france").reply.text == kb.text("fallback")
