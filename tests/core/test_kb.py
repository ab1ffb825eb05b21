"""The knowledge-base loader: the real knowledge/ loads, and every authoring mistake is
reported as a Problem that names its file, intent and field (all of them at once).

Each error case copies tests/fixtures/kb_valid into tmp_path, breaks exactly one thing and
checks the Problem the loader reports for it.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.core.kb import (
    DOSE_PATTERN,
    LIST_ROLES,
    MAX_ID_LENGTH,
    MAX_TITLE_LENGTH,
    MIN_EXAMPLES,
    REQUIRED_MESSAGES,
    SINGLE_ROLES,
    KnowledgeBase,
    KnowledgeBaseError,
    Problem,
    load_knowledge_base,
    parse_taxonomy,
)
from tests.conftest import FIXTURE_KB, KNOWLEDGE_DIR, REPO_ROOT

GABAPENTIN = "intents/gabapentin.yml"
CONVERSATION = "intents/conversation.yml"
EN = "messages/en.yml"
TEN_WORDS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")

# ------------------------------------------------------------------------------ helpers


def taxonomy_ids() -> list[str]:
    """The intent ids of knowledge/TAXONOMY.md, read by the loader's own parser."""
    return list(parse_taxonomy((KNOWLEDGE_DIR / "TAXONOMY.md").read_text(encoding="utf-8")))


def problems_of(directory: Path) -> tuple[Problem, ...]:
    with pytest.raises(KnowledgeBaseError) as info:
        load_knowledge_base(directory)
    return info.value.problems


def listing(problems: tuple[Problem, ...]) -> str:
    return "\n".join(f"  {p.file!r}, {p.intent!r}, {p.field!r}: {p.message}"
                     for p in problems)


def find(problems: tuple[Problem, ...], file: str, intent: str | None, field: str | None,
         words: str = "") -> Problem:
    """The problem at (file, intent, field) whose message has ``words``."""
    hits = [p for p in problems
            if (p.file, p.intent, p.field) == (file, intent, field) and words in p.message]
    assert hits, f"no problem at ({file!r}, {intent!r}, {field!r}) saying {words!r}; got:\n" + (
        listing(problems))
    return hits[0]


def edit(root: Path, name: str, change: Callable[[dict[str, Any]], object]) -> None:
    """Load one YAML file of the copy, let ``change`` mutate it, write it back."""
    path = root / name
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True),
                    encoding="utf-8")


def intent_of(data: dict[str, Any], intent_id: str) -> dict[str, Any]:
    entry: dict[str, Any] = next(i for i in data["intents"] if i["id"] == intent_id)
    return entry


def set_intent(intent_id: str, key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        intent_of(data, intent_id)[key] = value
    return change


def new_intent(intent_id: str, **overrides: Any) -> dict[str, Any]:
    """A valid non-medical intent whose examples clash with nothing in the fixture (a finer
    intent under the fixture taxonomy's 'greeting')."""
    entry: dict[str, Any] = {
        "id": intent_id, "title": "Extra", "topic": "greeting", "medical": False,
        "answer": "An extra answer.",
        "examples": [f"zebra question {w}" for w in TEN_WORDS],
    }
    entry.update(overrides)
    return entry


def add_intent(entry: dict[str, Any]) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        data["intents"].append(entry)
    return change


# ------------------------------------------------------------------------------ real KB


def test_real_knowledge_base_loads(kb: KnowledgeBase) -> None:
    assert kb.directory == KNOWLEDGE_DIR
    assert len(kb.intents) >= 39
    assert kb.disclaimer
    assert all(m.topics for m in kb.menus.values() if m.kind in ("list", "pages"))


def test_taxonomy_parser_finds_every_documented_id() -> None:
    ids = taxonomy_ids()
    assert len(ids) == len(set(ids)) >= 39
    assert {"greeting", "thanks", "goodbye", "urgent_help", "gabapentin_efficacy"} <= set(ids)
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", i) for i in ids), ids


def test_every_taxonomy_id_is_an_intent(kb: KnowledgeBase) -> None:
    missing = [i for i in taxonomy_ids() if i not in kb.intents]
    assert not missing, f"TAXONOMY.md ids with no intent in knowledge/: {missing}"


def test_no_dose_amount_anywhere_the_bot_speaks(kb: KnowledgeBase) -> None:
    offending = [
        (intent.id, key, match.group(0))
        for intent in kb.intents.values()
        for key in ("title", "answer", "details")
        if (match := DOSE_PATTERN.search(getattr(intent, key)))
    ]
    offending += [(EN, key, m.group(0)) for key, text in kb.messages.items()
                  if (m := DOSE_PATTERN.search(text))]
    assert not DOSE_PATTERN.search(kb.disclaimer)
    assert not offending


def test_every_medical_intent_cites_known_sources(kb: KnowledgeBase) -> None:
    for intent in kb.intents.values():
        if intent.medical:
            assert intent.sources, intent.id
        for sid in intent.sources:
            assert sid in kb.sources, (intent.id, sid)


def test_every_source_has_a_link_and_a_dated_or_web_label(kb: KnowledgeBase) -> None:
    for source in kb.sources.values():
        assert source.url.startswith("https://"), source.id
        if source.year is None:
            assert source.label.endswith("(web page)"), source.id
        else:
            assert source.label.endswith(f", {source.year}"), source.id


def test_every_answer_is_short(kb: KnowledgeBase) -> None:
    too_long = {i.id: len(i.answer) for i in kb.intents.values() if len(i.answer) >= 700}
    assert not too_long


def test_every_intent_is_complete(kb: KnowledgeBase) -> None:
    for intent in kb.intents.values():
        assert len(intent.examples) >= MIN_EXAMPLES, intent.id
        assert 0 < len(intent.title) <= MAX_TITLE_LENGTH, intent.id
        assert len(intent.id) <= MAX_ID_LENGTH, intent.id
        assert intent.reviewed is not None, intent.id
        assert intent.id not in intent.related, intent.id


@pytest.mark.parametrize("text", [
    "take 300 mg at night", "300mg", "1,5 mg", "2 tablets before bed",
    "100 milligrams", "take it twice a day", "three times a day", "every 8 hours",
    "once a night", "600 MG",
])
def test_dose_pattern_catches_amounts_and_schedules(text: str) -> None:
    assert DOSE_PATTERN.search(text)


@pytest.mark.parametrize("text", [
    "take two tablets at night", "one capsule before bed", "half a tablet",
    "take it at 5 pm", "twice daily", "3 times daily",
])
def test_dose_pattern_catches_spelled_out_amounts_and_times(text: str) -> None:
    assert DOSE_PATTERN.search(text)


@pytest.mark.parametrize("text", [
    "a 2002 study of 24 people", "call 911 now", "moderate-to-severe RLS",
    "take it as your prescriber says", "16 people on dialysis", "the 2024 guideline",
])
def test_dose_pattern_leaves_ordinary_numbers_alone(text: str) -> None:
    assert not DOSE_PATTERN.search(text)


# ------------------------------------------------------------------------------ fixture


def test_fixture_knowledge_base_loads(fixture_kb: KnowledgeBase) -> None:
    assert set(fixture_kb.intents) == {
        "greeting", "urgent_help", "gabapentin_efficacy", "gabapentin_side_effects",
        "other_medications", "gabapentin_other_uses"}
    assert fixture_kb.intents["gabapentin_efficacy"].file == GABAPENTIN
    assert fixture_kb.sources["web_page"].label == "Mayo Clinic: Restless legs syndrome (web page)"
    assert fixture_kb.matching.answer_threshold == 62
    assert fixture_kb.menus["tips"].topics == ("gabapentin_side_effects",)
    assert fixture_kb.normalizer.normalize("Neurontin restless legs").canonical == (
        "gabapentin rls")


def test_fixture_copy_is_valid(kb_copy: Path) -> None:
    # The error cases below start from this copy: it must be clean, or they prove nothing.
    assert load_knowledge_base(kb_copy).intents


def test_missing_directory_is_one_problem(tmp_path: Path) -> None:
    problems = problems_of(tmp_path / "nowhere")
    assert len(problems) == 1
    assert "is not a directory" in problems[0].message


def test_yaml_syntax_error_names_file_and_line(kb_copy: Path) -> None:
    path = kb_copy / GABAPENTIN
    lines = path.read_text(encoding="utf-8").splitlines()
    n = lines.index("    title: Side effects of gabapentin")
    lines[n] = "   title: Side effects of gabapentin"  # one space short
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    problem = find(problems_of(kb_copy), GABAPENTIN, None, None)
    assert "not valid YAML" in problem.message
    assert f"line {n + 1}," in problem.message


# (id, file to edit, change, expected file, intent, field, words in the message)
Case = tuple[str, str, Callable[[dict[str, Any]], object], str, str | None, str | None, str]

CASES: list[Case] = [
    ("missing version", GABAPENTIN, lambda d: d.pop("version"),
     GABAPENTIN, None, "version", "no 'version' key"),
    ("unknown top-level key", GABAPENTIN, lambda d: d.update(intent=[]),
     GABAPENTIN, None, "intent", "unknown top-level key"),
    ("unknown key in an intent", GABAPENTIN,
     set_intent("gabapentin_efficacy", "answr", "typo"),
     GABAPENTIN, "gabapentin_efficacy", "answr", "unknown key"),
    ("medical intent without sources", GABAPENTIN,
     lambda d: intent_of(d, "gabapentin_side_effects").pop("sources"),
     GABAPENTIN, "gabapentin_side_effects", "sources", "needs at least one source"),
    ("medical not a boolean", CONVERSATION,
     add_intent(new_intent("extra_topic", medical="yes", sources=["web_page"])),
     CONVERSATION, "extra_topic", "medical", "true or false"),
    ("unknown source id", GABAPENTIN,
     set_intent("gabapentin_efficacy", "sources", ["trial_2002", "smith_2020"]),
     GABAPENTIN, "gabapentin_efficacy", "sources", "unknown source id 'smith_2020'"),
    ("unknown related id", GABAPENTIN,
     set_intent("gabapentin_efficacy", "related", ["gabapentin_dose"]),
     GABAPENTIN, "gabapentin_efficacy", "related", "unknown intent id 'gabapentin_dose'"),
    ("related to itself", GABAPENTIN,
     set_intent("gabapentin_efficacy", "related", ["gabapentin_efficacy"]),
     GABAPENTIN, "gabapentin_efficacy", "related", "related to itself"),
    ("same normalised example under two intents", GABAPENTIN,
     lambda d: intent_of(d, "gabapentin_side_effects")["examples"].append(
         "Does NEURONTIN help restless legs?"),
     GABAPENTIN, "gabapentin_side_effects", "examples",
     "also an example of 'gabapentin_efficacy'"),
    ("example empty once normalised", GABAPENTIN,
     lambda d: intent_of(d, "gabapentin_side_effects")["examples"].append("?!"),
     GABAPENTIN, "gabapentin_side_effects", "examples", "empty once normalised"),
    ("id too long", CONVERSATION, add_intent(new_intent("a" * (MAX_ID_LENGTH + 1))),
     CONVERSATION, "a" * (MAX_ID_LENGTH + 1), "id", "longer than 40"),
    ("id not snake_case", CONVERSATION, add_intent(new_intent("ExtraTopic")),
     CONVERSATION, "ExtraTopic", "id", "snake_case"),
    ("id with a hyphen", CONVERSATION, add_intent(new_intent("extra-topic")),
     CONVERSATION, "extra-topic", "id", "snake_case"),
    ("missing id", CONVERSATION, add_intent(new_intent("")),
     CONVERSATION, "#3", "id", "is required"),
    ("too few examples", GABAPENTIN,
     lambda d: intent_of(d, "gabapentin_side_effects")["examples"].pop(),
     GABAPENTIN, "gabapentin_side_effects", "examples", "has 9 example(s)"),
    ("examples not a list", CONVERSATION,
     add_intent(new_intent("extra_topic", examples="zebra question")),
     CONVERSATION, "extra_topic", "examples", "list of strings"),
    ("dose amount in answer", GABAPENTIN,
     set_intent("gabapentin_efficacy", "answer", "Most people take 300 mg at night."),
     GABAPENTIN, "gabapentin_efficacy", "answer", "dose amount"),
    ("schedule in details", GABAPENTIN,
     set_intent("gabapentin_efficacy", "details", "It is usually taken twice a day."),
     GABAPENTIN, "gabapentin_efficacy", "details", "dose amount"),
    ("missing answer", GABAPENTIN, set_intent("gabapentin_efficacy", "answer", ""),
     GABAPENTIN, "gabapentin_efficacy", "answer", "is required"),
    ("title too long", GABAPENTIN,
     set_intent("gabapentin_efficacy", "title",
                "Does gabapentin really help restless legs syndrome?"),
     GABAPENTIN, "gabapentin_efficacy", "title", "longer than 40"),
    ("bad reviewed date", GABAPENTIN, set_intent("gabapentin_efficacy", "reviewed", "soon"),
     GABAPENTIN, "gabapentin_efficacy", "reviewed", "must be a date"),
    ("bad regex in a danger concept", "danger/en.yml",
     lambda d: d["concepts"]["crisis"].append(r"\b(took too many"),
     "danger/en.yml", None, "concepts.crisis", "invalid regular expression"),
    ("bad regex in a danger marker", "danger/en.yml",
     lambda d: d["markers"].update(subject="i|(he"),
     "danger/en.yml", None, "markers.subject", "invalid regular expression"),
    ("unknown danger concept", "danger/en.yml",
     lambda d: d["concepts"].update(panic=["help"]),
     "danger/en.yml", None, "concepts.panic", "unknown concept"),
    ("danger reply without sources", "danger/en.yml",
     lambda d: d["replies"]["crisis"].update(sources=[]),
     "danger/en.yml", None, "replies.crisis.sources", "at least one source"),
    ("danger reply with an unknown source", "danger/en.yml",
     lambda d: d["replies"]["poison"].update(sources=["nowhere"]),
     "danger/en.yml", None, "replies.poison.sources", "unknown source id 'nowhere'"),
    ("missing danger marker", "danger/en.yml",
     lambda d: d["markers"].pop("negation"),
     "danger/en.yml", None, "markers.negation", "is required"),
    ("reviewed date in the future", GABAPENTIN,
     set_intent("gabapentin_efficacy", "reviewed", dt.date.today() + dt.timedelta(days=1)),
     GABAPENTIN, "gabapentin_efficacy", "reviewed", "is in the future"),
    ("missing topic", GABAPENTIN,
     lambda d: intent_of(d, "gabapentin_efficacy").pop("topic"),
     GABAPENTIN, "gabapentin_efficacy", "topic", "is required"),
    ("topic not a taxonomy id", CONVERSATION,
     add_intent(new_intent("extra_topic", topic="weather")),
     CONVERSATION, "extra_topic", "topic", "'weather' is not an id of TAXONOMY.md"),
    ("taxonomy intent under another topic", GABAPENTIN,
     set_intent("gabapentin_efficacy", "topic", "gabapentin_side_effects"),
     GABAPENTIN, "gabapentin_efficacy", "topic", "topic is its own id"),
    ("review age not a number of months", "meta.yml",
     lambda d: d.update(reviews={"max_age_months": "a year"}),
     "meta.yml", None, "reviews.max_age_months", "whole number of months"),
    ("bad single regex", "safety.yml", lambda d: d.update(dose_question="[dose"),
     "safety.yml", None, "dose_question", "invalid regular expression"),
    ("missing single regex", "safety.yml", lambda d: d.pop("domain_anchor"),
     "safety.yml", None, "domain_anchor", "is required"),
    ("a danger reply missing", "danger/en.yml", lambda d: d["replies"].pop("poison"),
     "danger/en.yml", None, "replies.poison", "is required"),
    ("unknown conversation intent", "safety.yml",
     lambda d: d.update(conversation_intents=["greeting", "smalltalk"]),
     "safety.yml", None, "conversation_intents", "unknown intent id 'smalltalk'"),
    ("menus referencing an unknown intent", "menus.yml",
     lambda d: d["menus"]["tips"]["topics"].append("selfcare_yoga"),
     "menus.yml", None, "menus.tips.topics", "unknown intent id 'selfcare_yoga'"),
    ("unknown sub-menu", "menus.yml", lambda d: d["menus"]["about"].update(after=["nowhere"]),
     "menus.yml", None, "menus.about.after", "unknown menu 'nowhere'"),
    ("sub-menus of a paged menu", "menus.yml", lambda d: d["menus"]["tips"].update(
        before=["about"]), "menus.yml", None, "menus.tips", "only a list menu has sub-menus"),
    ("empty menu", "menus.yml", lambda d: d["menus"]["guidelines"].update(topics=[]),
     "menus.yml", None, "menus.guidelines.topics", "at least one intent id"),
    ("unknown menu kind", "menus.yml", lambda d: d["menus"]["about"].update(kind="carousel"),
     "menus.yml", None, "menus.about.kind", "must be one of"),
    ("main menu naming an unknown menu", "menus.yml",
     lambda d: d["menus"]["main"]["rows"].append(["faq"]),
     "menus.yml", None, "menus.main.rows", "unknown menu 'faq'"),
    ("command showing an unknown menu", "menus.yml",
     lambda d: d["commands"][2].update(menu="faq"),
     "menus.yml", None, "commands.menu.menu", "unknown menu 'faq'"),
    ("command with an unknown handler", "menus.yml",
     lambda d: d["commands"][0].update(handler="faq"),
     "menus.yml", None, "commands.start.handler", "unknown handler 'faq'"),
    ("command showing two things", "menus.yml",
     lambda d: d["commands"][2].update(intent="greeting"),
     "menus.yml", None, "commands.menu", "exactly one of"),
    ("threshold not a number", "meta.yml",
     lambda d: d["matching"].update(answer_threshold="high"),
     "meta.yml", None, "matching.answer_threshold", "number from 0 to 100"),
    ("threshold out of range", "meta.yml", lambda d: d["matching"].update(margin=150),
     "meta.yml", None, "matching.margin", "number from 0 to 100"),
    ("threshold is a boolean", "meta.yml",
     lambda d: d["matching"].update(suggest_threshold=True),
     "meta.yml", None, "matching.suggest_threshold", "number from 0 to 100"),
    ("suggest above answer threshold", "meta.yml",
     lambda d: d["matching"].update(suggest_threshold=80),
     "meta.yml", None, "matching.suggest_threshold", "not be above answer_threshold"),
    ("missing disclaimer", EN, lambda d: d.pop("disclaimer"),
     EN, None, "disclaimer", "is required"),
    ("missing message key", EN, lambda d: d["messages"].pop("fallback"),
     EN, None, "messages.fallback", "is required"),
    ("missing button label", EN, lambda d: d["buttons"].pop("next"),
     EN, None, "buttons.next", "is required"),
    ("missing menu label", EN, lambda d: d["menus"]["tips"].pop("label"),
     EN, None, "menus.tips.label", "is required"),
    ("missing command description", EN, lambda d: d["commands"].pop("suggest"),
     EN, None, "commands.suggest", "is required"),
    ("unknown message key", EN, lambda d: d["messages"].update(farewell="Bye"),
     EN, None, "messages.farewell", "unknown key"),
    ("placeholder missing", EN, lambda d: d["messages"].update(tip_position="Tip {n}"),
     EN, None, "messages.tip_position", "placeholders must be {n}, {total}"),
    ("placeholder unknown", EN, lambda d: d["messages"].update(bye="Bye {name}"),
     EN, None, "messages.bye", "placeholders must be none"),
    ("short description too long", EN,
     lambda d: d["profile"].update(short_description="word " * 40),
     EN, None, "profile.short_description", "longer than Telegram's 120"),
    ("messages file names another language", EN, lambda d: d.update(language="es"),
     EN, None, "language", "language: en"),
    ("words left in meta.yml", "meta.yml", lambda d: d.update(messages={"hi": "Hi"}),
     "meta.yml", None, "messages", "belong in messages/"),
    ("dose in a message", EN,
     lambda d: d["messages"].update(about="Never more than 3600 mg."),
     EN, None, "messages.about", "dose amount"),
    ("unknown source key", "sources.yml", lambda d: d["sources"][0].update(doi="10.1/x"),
     "sources.yml", "source trial_2002", "doi", "unknown key"),
    ("source without url", "sources.yml", lambda d: d["sources"][0].pop("url"),
     "sources.yml", "source trial_2002", "url", "is required"),
    ("source url not https", "sources.yml",
     lambda d: d["sources"][0].update(url="doi.org/10.1212/x"),
     "sources.yml", "source trial_2002", "url", "https://"),
    ("bad source year", "sources.yml", lambda d: d["sources"][0].update(year="2002a"),
     "sources.yml", "source trial_2002", "year", "year like 2016"),
    ("duplicate source id", "sources.yml",
     lambda d: d["sources"].append(dict(d["sources"][0])),
     "sources.yml", "source trial_2002", "id", "duplicate source id"),
    ("variant under two canonical words", "synonyms.yml",
     lambda d: d["phrases"]["rls"].append("neurontin"),
     "synonyms.yml", None, "phrases.rls", "listed under both"),
]


@pytest.mark.parametrize("case", CASES, ids=[case[0] for case in CASES])
def test_one_mistake_is_one_located_problem(kb_copy: Path, case: Case) -> None:
    _, target, change, file, intent, field, words = case
    edit(kb_copy, target, change)
    problems = problems_of(kb_copy)
    find(problems, file, intent, field, words)
    # ... and nothing anywhere else: one mistake must not cascade into unrelated reports.
    elsewhere = [p for p in problems if (p.file, p.intent, p.field) != (file, intent, field)]
    assert not elsewhere, listing(problems)


def test_duplicate_id_across_two_files(kb_copy: Path) -> None:
    # conversation.yml loads first, so the copy in gabapentin.yml is the duplicate.
    edit(kb_copy, CONVERSATION, add_intent(new_intent("gabapentin_side_effects",
                                                      topic="gabapentin_side_effects")))
    problems = problems_of(kb_copy)
    problem = find(problems, GABAPENTIN, "gabapentin_side_effects", "id")
    assert problem.message == f"duplicate id (also in {CONVERSATION})"
    assert len(problems) == 1


def test_deleting_the_urgent_intent_names_the_role(kb_copy: Path) -> None:
    def drop(data: dict[str, Any]) -> None:
        data["intents"] = [i for i in data["intents"] if i["id"] != "urgent_help"]

    edit(kb_copy, CONVERSATION, drop)
    problem = find(problems_of(kb_copy), "roles.yml", None, "roles.urgent")
    assert "unknown intent id 'urgent_help'" in problem.message


@pytest.mark.parametrize("role", [*SINGLE_ROLES, *LIST_ROLES])
def test_every_role_is_required(kb_copy: Path, role: str) -> None:
    edit(kb_copy, "roles.yml", lambda d: d["roles"].pop(role))
    problem = find(problems_of(kb_copy), "roles.yml", None, f"roles.{role}")
    assert "is required" in problem.message


def test_an_unknown_role_is_reported(kb_copy: Path) -> None:
    edit(kb_copy, "roles.yml", lambda d: d["roles"].update(smalltalk="greeting"))
    find(problems_of(kb_copy), "roles.yml", None, "roles.smalltalk", "unknown role")


def rename_intent(root: Path, old: str, new: str) -> None:
    """Rename an intent everywhere except roles.yml, as a curator who forgot it would."""
    for path in sorted(root.rglob("*.yml")):
        if path.name == "roles.yml":
            continue
        text = path.read_text(encoding="utf-8")
        path.write_text(re.sub(rf"\b{old}\b", new, text), encoding="utf-8")


def test_renaming_an_intent_that_plays_a_role_fails_kb_check(tmp_path: Path) -> None:
    """The real knowledge base: each role's intent renamed in a copy makes the check fail,
    naming roles.yml and the role, instead of the bot crashing on the first question. All
    roles in one copy (one load of a broken knowledge base, not one per role): every
    problem is reported, so each role must be named."""
    copy = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE_DIR, copy)
    roles = load_knowledge_base(KNOWLEDGE_DIR).roles
    renamed: dict[str, str] = {}
    for role in [*SINGLE_ROLES, *LIST_ROLES]:
        played = getattr(roles, role)
        renamed[role] = played if isinstance(played, str) else played[0]
    for old in set(renamed.values()):
        rename_intent(copy, old, f"{old}_renamed")
    problems = problems_of(copy)
    for role, old in renamed.items():
        problem = find(problems, "roles.yml", None, f"roles.{role}")
        assert f"unknown intent id '{old}'" in problem.message, role


def test_missing_file_is_reported(kb_copy: Path) -> None:
    (kb_copy / "sources.yml").unlink()
    problems = problems_of(kb_copy)
    assert find(problems, "sources.yml", None, None).message == "file is missing"


def test_several_mistakes_are_reported_together(kb_copy: Path) -> None:
    edit(kb_copy, GABAPENTIN, set_intent("gabapentin_efficacy", "sources", ["smith_2020"]))
    edit(kb_copy, EN, lambda d: d.pop("disclaimer"))
    problems = problems_of(kb_copy)
    assert len(problems) == 2
    find(problems, GABAPENTIN, "gabapentin_efficacy", "sources")
    find(problems, EN, None, "disclaimer")


def test_error_message_lists_one_problem_per_line(kb_copy: Path) -> None:
    edit(kb_copy, GABAPENTIN, set_intent("gabapentin_efficacy", "related", ["nope"]))
    edit(kb_copy, GABAPENTIN, set_intent("gabapentin_side_effects", "title", ""))
    with pytest.raises(KnowledgeBaseError) as info:
        load_knowledge_base(kb_copy)
    lines = str(info.value).splitlines()
    assert lines[0] == "2 problem(s) in the knowledge base:"
    assert f"  - {GABAPENTIN}: intent gabapentin_efficacy: related: unknown intent id 'nope'" in (
        lines)
    assert any(line.startswith(f"  - {GABAPENTIN}: intent gabapentin_side_effects: title:")
               for line in lines)


def test_every_required_message_is_checked(kb_copy: Path) -> None:
    edit(kb_copy, EN, lambda d: d.pop("messages"))
    problems = problems_of(kb_copy)
    assert {p.field for p in problems} == {f"messages.{key}" for key in REQUIRED_MESSAGES
                                           if "." not in key}


def test_a_language_is_a_file_with_the_same_keys(kb_copy: Path) -> None:
    """Adding a language needs no code: a second file is checked key for key."""
    english = (kb_copy / EN).read_text(encoding="utf-8")
    spanish = english.replace("language: en", "language: es")
    (kb_copy / "messages" / "es.yml").write_text(spanish, encoding="utf-8")
    kb = load_knowledge_base(kb_copy)
    assert set(kb.languages) == {"en", "es"}
    edit(kb_copy, "messages/es.yml", lambda d: d["buttons"].pop("prev"))
    find(problems_of(kb_copy), "messages/es.yml", None, "buttons.prev", "is required")


def test_impossible_reviewed_date_is_a_problem_not_a_crash(kb_copy: Path) -> None:
    path = kb_copy / GABAPENTIN
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("reviewed: 2026-11-24", "reviewed: 2026-02-30", 1),
                    encoding="utf-8")
    problems = problems_of(kb_copy)
    assert find(problems, GABAPENTIN, None, None)


def test_fixture_is_the_documented_shape() -> None:
    # Guard the fixture itself: every file has a version, as AUTHORING.md requires.
    for path in sorted(FIXTURE_KB.rglob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert data["version"] == 1, path


def test_one_broken_file_is_one_problem_not_an_echo(kb_copy: Path) -> None:
    """A YAML error in sources.yml must not also report every source id as unknown."""
    path = kb_copy / "sources.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("sources:\n", "sources:\n\t", 1),
                    encoding="utf-8")
    with pytest.raises(KnowledgeBaseError) as caught:
        load_knowledge_base(kb_copy)
    assert [p.file for p in caught.value.problems] == ["sources.yml"]


def test_matching_defaults_in_code_are_the_shipped_values(kb: KnowledgeBase) -> None:
    """A key left out of meta.yml behaves as the shipped knowledge base does."""
    from bot.core.kb import MatchingSettings

    assert MatchingSettings() == kb.matching


def test_taxonomy_id_without_an_intent_is_reported(kb_copy: Path) -> None:
    taxonomy = kb_copy / "TAXONOMY.md"
    taxonomy.write_text(taxonomy.read_text(encoding="utf-8") + "- rls_weather: new id\n",
                        encoding="utf-8")
    [problem] = problems_of(kb_copy)
    assert (problem.file, problem.message) == (
        "intents/", "no intent for the TAXONOMY.md id 'rls_weather'")


def test_missing_taxonomy_file_is_reported(kb_copy: Path) -> None:
    (kb_copy / "TAXONOMY.md").unlink()
    [problem] = problems_of(kb_copy)
    assert problem.file == "TAXONOMY.md" and "missing" in problem.message


def test_taxonomy_parser_stops_at_the_finer_intents_section() -> None:
    text = ("# Taxonomy\n- a_id: one\n- greeting, thanks\n- not an id: prose\n"
            "## Where finer intents belong (their `topic`)\n- late_id: never read\n")
    assert parse_taxonomy(text) == ("a_id", "greeting", "thanks")


def test_every_intent_has_a_taxonomy_topic(kb: KnowledgeBase) -> None:
    ids = set(taxonomy_ids())
    assert kb.taxonomy == ids
    for intent in kb.intents.values():
        assert intent.topic in ids, intent.id
        if intent.id in ids:
            assert intent.topic == intent.id
    finer = {i.id: i.topic for i in kb.intents.values() if i.topic != i.id}
    for intent_id, topic in finer.items():
        assert intent_id in kb.family(topic)
        assert intent_id in kb.expand(frozenset({topic}))
        assert kb.topic_of(intent_id) == topic
    assert kb.topic_of(None) is None


def test_no_intent_id_is_written_in_code(kb: KnowledgeBase) -> None:
    """Code names roles (roles.yml), never intents: renaming an intent is a data edit. Two
    ids are also ordinary words the code uses for other things (a menu kind, a file field,
    a danger marker), so they cannot be told apart here."""
    ordinary = {"sources", "help"}
    ids = set(kb.intents) - ordinary
    written = sorted(
        f"{path.relative_to(REPO_ROOT)}: {found.group(1)}"
        for path in (REPO_ROOT / "bot").rglob("*.py")
        for found in re.finditer(r"""["']([a-z][a-z0-9_]*)["']""", path.read_text("utf-8"))
        if found.group(1) in ids)
    assert not written
