"""Load ``knowledge/`` into frozen dataclasses, or report every authoring problem at once.

Curators edit YAML by hand; a traceback teaches them nothing. The loader therefore never
stops at the first mistake: it collects a :class:`Problem` (file, intent, field, message)
for each one and raises a single :class:`KnowledgeBaseError` listing them all, which
``rls-bot kb check`` prints and ``/reload`` shows to an admin.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import MISSING, dataclass, field, fields, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from bot.core.danger import (
    Alternation,
    DangerText,
    Lexicon,
    Searchable,
    alternatives,
    literal_words,
)
from bot.core.danger_model import DangerModel
from bot.core.language import SUPPORTED as LANGUAGES
from bot.core.normalize import Normalizer, to_plain


def _default_dir() -> Path:
    """The bundled knowledge base: next to the source tree (a checkout, ``pip install -e``),
    or where ``pip install .`` puts it (``<prefix>/share/rls-bot/knowledge``)."""
    checkout = Path(__file__).resolve().parents[2] / "knowledge"
    installed = Path(sys.prefix) / "share" / "rls-bot" / "knowledge"
    return checkout if checkout.is_dir() or not installed.is_dir() else installed


DEFAULT_DIR = _default_dir()

MIN_EXAMPLES = 10
MAX_ID_LENGTH = 40  # "i:more:" + id must fit Telegram's 64-byte callback_data
MAX_TITLE_LENGTH = 40
ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")

# A number followed by an amount unit, or a schedule: what "never give a dose" rules out.
_AMOUNT = (r"(?:\d+(?:[.,]\d+)?|a half|half an?|half|one|two|three|four|five|six|seven|"
           r"eight|nine|ten)")
DOSE_PATTERN = re.compile(
    rf"\b{_AMOUNT}\s*(?:mg|mcg|µg|ug|g|ml|milligrams?|micrograms?|grams?|tablets?|"
    r"pills?|capsules?|caps?|tabs?)\b"
    r"|\b(?:once|twice|thrice|\d+\s+times|two times|three times|four times)\s+"
    r"(?:a|per|each)\s+(?:day|night|week)\b"
    r"|\b(?:once|twice|thrice|\d+\s+times|two times|three times|four times)\s+daily\b"
    r"|\bevery\s+\d+\s+hours?\b"
    r"|\bat\s+\d{1,2}(?::\d\d)?\s*(?:am|pm|a\.m\.|p\.m\.)",
    re.IGNORECASE,
)

MESSAGES_DIR = "messages"
DEFAULT_LANGUAGE = "en"
REQUIRED_MESSAGES: dict[str, frozenset[str]] = {
    key: frozenset(fields) for key, fields in {
        "welcome": (), "fallback": (), "other_script": (), "suggest": (), "non_text": (),
        "empty": (),
        "too_long": (), "error": (), "flood": (), "stale_button": (), "about": (),
        "privacy": (), "tip_position": ("n", "total"), "sources_one": (), "sources_many": (),
        "feedback_thanks": (), "suggest_usage": (), "suggest_thanks": (), "suggest_off": (),
        "pick_number": ("count",), "no_page": (), "bye": (), "unknown_command": (),
        "reload_done": ("intents", "examples"),
        "reload_refused": ("problems",), "stats_off": (),
        "buttons.more": (), "buttons.prev": (), "buttons.next": (), "buttons.back": ("menu",),
        "buttons.helpful": (), "buttons.not_helpful": (), "buttons.open_chat": (),
        "profile.description": (), "profile.short_description": (),
        "reviewed": ("date",), "selfcheck_position": ("n", "total"),
        "curators_sent": (), "curators_gone": (), "curators_offer": (), "missing_ask": (),
        "missing_thanks": (), "buttons.send_to_curators": (), "buttons.none_of_these": (),
        "buttons.missing_topic": (), "buttons.missing_vague": (), "buttons.missing_hard": (),
        "buttons.missing_other": (),
    }.items()
}
"""Every message the code looks up, with the {placeholders} it fills in. Menus and commands
add their own keys (``menus.<id>.label`` ..., ``commands.<name>``) from menus.yml."""
MENU_FIELDS = ("label", "text", "name")
MESSAGE_SECTIONS = ("messages", "buttons", "menus", "commands", "profile")
MAX_LENGTHS = {"profile.description": 512, "profile.short_description": 120}
MAX_COMMAND_DESCRIPTION = 256
MENU_KINDS = ("main", "list", "pages", "prompt", "sources", "selfcheck")
"""main: the main menu's rows of menus; list: topics (and sub-menus) as buttons; pages: one
topic at a time with Prev / Next; prompt: its text only (how to ask); sources: every source;
selfcheck: the "Could this be RLS?" self-check of selfcheck.yml."""
HANDLERS = frozenset({"start", "suggest", "stats", "reload", "check"})
"""Commands that need code (deep links, the store, admin checks); every other command just
shows a menu, an intent or a message."""
COMMAND_SHOWS = ("menu", "intent", "message", "handler")
INTENT_KEYS = frozenset(
    {"id", "title", "topic", "medical", "answer", "details", "sources", "related", "reviewed",
     "examples"}
)
TAXONOMY_FILE = "TAXONOMY.md"
# The taxonomy's ids are its bullets, "- some_id: what it covers" or "- a, b, c", up to the
# section on finer intents (whose bullets are prose).
_TAXONOMY_ITEM = re.compile(r"^- ([a-z][a-z0-9_]*(?:, [a-z][a-z0-9_]*)*)(?::|\s*$)")
_TAXONOMY_END = "## Where finer intents belong"
SOURCE_KEYS = frozenset({"id", "short", "year", "citation", "url", "status"})
ROLES_FILE = "roles.yml"
# libyaml's C loader parses the knowledge base several times faster (start-up, /reload).
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Problem:
    """One authoring mistake, located well enough for a curator to fix it."""

    file: str
    intent: str | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.intent:
            where += f": intent {self.intent}"
        if self.field:
            where += f": {self.field}"
        return f"{where}: {self.message}"


class KnowledgeBaseError(Exception):
    """Every problem found in one load; the message lists them, one per line."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = tuple(problems)
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{len(problems)} problem(s) in the knowledge base:\n{lines}")


@dataclass(frozen=True)
class Source:
    id: str
    short: str
    year: int | None
    citation: str
    url: str
    status: str

    @property
    def label(self) -> str:
        """Short citation with year, as shown under an answer."""
        return f"{self.short}, {self.year}" if self.year else f"{self.short} (web page)"


@dataclass(frozen=True)
class Intent:
    id: str
    title: str
    answer: str
    examples: tuple[str, ...]
    medical: bool = True
    details: str = ""
    sources: tuple[str, ...] = ()
    related: tuple[str, ...] = ()
    reviewed: dt.date | None = None
    file: str = ""
    topic: str = ""  # the TAXONOMY.md id whose question this intent answers (own id if one)


@dataclass(frozen=True)
class MatchingSettings:
    """Used for a key meta.yml leaves out; the same values as knowledge/meta.yml (a test
    keeps them equal), so code and data never disagree."""

    answer_threshold: float = 30.0
    suggest_threshold: float = 21.0
    margin: float = 0.0
    max_suggestions: int = 3
    conversation_threshold: float = 30.0
    urgent_threshold: float = 60.0
    conversation_recall: float = 0.3
    # A long message shares a smaller part of its words with any one short example, so its
    # best score runs lower for the same fit (tests/data/ROUNDS.md, "long messages").
    long_words: int = 35
    long_answer_threshold: float = 25.0


@dataclass(frozen=True)
class SafetyRules:
    """Compiled patterns from ``safety.yml``; see that file for what each one means."""

    risk_intents: frozenset[str]
    rls_specific_medicines: re.Pattern[str]
    general_medicines: re.Pattern[str]
    other_uses: tuple[re.Pattern[str], ...]
    rls_context: re.Pattern[str]
    legs_context: re.Pattern[str]
    dose_question: re.Pattern[str]
    domain_anchor: re.Pattern[str]
    not_rls: re.Pattern[str]
    conversation_intents: frozenset[str]
    not_for_rls: re.Pattern[str]
    interaction: re.Pattern[str]
    interaction_intents: frozenset[str]
    taken_with: re.Pattern[str]
    medicine_topics: re.Pattern[str]
    medicine_topic_intents: frozenset[str]
    needs_gabapentin: frozenset[str]
    other_uses_unless: re.Pattern[str]
    weak_anchor: re.Pattern[str]
    pregnancy: re.Pattern[str]
    pregnancy_medicine: re.Pattern[str]
    pregnancy_intents: frozenset[str]
    dose_amount: re.Pattern[str]
    # Optional (a knowledge base without gabapentin-in-pregnancy answers leaves them out):
    pregnancy_gabapentin_intents: frozenset[str] = frozenset()
    pregnancy_other_medicine: re.Pattern[str] = re.compile(r"(?!)")
    small_talk: frozenset[str] = frozenset()
    risk_question: re.Pattern[str] = re.compile(r"(?!)")
    pregnancy_past: re.Pattern[str] = re.compile(r"(?!)")
    asked_elsewhere: re.Pattern[str] = re.compile(r"(?!)")
    dose_change: re.Pattern[str] = re.compile(r"(?!)")
    missed_dose: re.Pattern[str] = re.compile(r"(?!)")
    missed_dose_intents: frozenset[str] = frozenset()


@dataclass(frozen=True)
class SelfCheck:
    """The "Could this be RLS?" self-check (``selfcheck.yml``): allen_2014's five essential
    criteria as yes/no questions, and the texts of its result. Data, so the medical wording
    is reviewed beside the answers and the code only counts yes and no."""

    title: str
    intro: str
    questions: tuple[str, ...]
    criteria: tuple[str, ...]  # what a "yes" to each question means, for the result
    labels: Mapping[str, str]  # button labels: start, yes, no, back, again
    results: Mapping[str, str]  # fits, not_all, missing, similar, ask_doctor, not_diagnosis
    sources: tuple[str, ...]
    reviewed: dt.date | None
    offered_by: str  # the intent ("do I have RLS?") whose answer offers the check
    follow_ups: tuple[str, ...] = ()  # intents offered under the result


SELFCHECK_LABELS = ("start", "yes", "no", "back", "again")
SELFCHECK_RESULTS = ("fits", "not_all", "missing", "similar", "ask_doctor", "not_diagnosis")
SELFCHECK_QUESTIONS = 5


@dataclass(frozen=True)
class Roles:
    """Which intent plays each part the code relies on (``knowledge/roles.yml``).

    Code names a role (``kb.roles.urgent``), never an intent id, so renaming an intent is a
    YAML edit that ``rls-bot kb check`` verifies instead of a ``KeyError`` at run time.
    Each field's comment is what the role is for; the loader requires every one.
    """

    urgent: str  # the emergency reply: sent first and alone, counted apart
    dose: str  # a dose question ("can i take 2 of my 300mg"), answered without a dose
    provider: str  # "ask your doctor or pharmacist" (pregnancy with medicines, ...)
    other_medicines: str  # another RLS medicine: what the guidelines say about it
    other_uses: str  # gabapentin for another condition, its price, drug tests
    side_effects: str  # "can you overdose on gabapentin": the side-effects answer
    selfcare: str  # what a narrowed question gets when nothing matches well (pregnancy)
    pregnancy: str  # gabapentin in pregnancy or breastfeeding, when nothing matches well
    sources: str  # the intent whose answer lists every source
    greeting: str  # "hello": in front of another question ("hi, what can you do") it gives way
    popular: tuple[str, ...]  # inline mode, before anything is typed
    both_medicines: tuple[str, ...]  # may answer when gabapentin and another RLS medicine
    # are in one question (switching, combining, asking a doctor)


SINGLE_ROLES = tuple(name for name, kind in Roles.__annotations__.items() if kind == "str")
LIST_ROLES = tuple(name for name in Roles.__annotations__ if name not in SINGLE_ROLES)


@dataclass(frozen=True)
class Menu:
    """One menu of menus.yml; its label, intro text and name are in messages/."""

    id: str
    kind: str  # one of MENU_KINDS
    topics: tuple[str, ...] = ()  # intent ids (list, pages)
    rows: tuple[tuple[str, ...], ...] = ()  # menu ids (main)
    back: bool = False  # a topic opened from this menu gets a "Back to ..." button
    before: tuple[str, ...] = ()  # list: sub-menus shown as buttons before the topics
    after: tuple[str, ...] = ()  # list: ...and after them; a sub-menu gets "Back to" this


@dataclass(frozen=True)
class Command:
    """A /command of menus.yml: what it shows, or the code that handles it."""

    name: str
    menu: str | None = None
    intent: str | None = None
    message: str | None = None
    handler: str | None = None
    admin: bool = False  # listed in the admins' chats only


@dataclass(frozen=True)
class KnowledgeBase:
    intents: Mapping[str, Intent]
    sources: Mapping[str, Source]
    synonyms: Mapping[str, str]
    stopwords: frozenset[str]
    disclaimer: str
    messages: Mapping[str, str]  # the default language's, flattened: "welcome", "buttons.more"
    matching: MatchingSettings
    safety: SafetyRules
    danger: Lexicon
    danger_model: DangerModel | None
    language_words: Mapping[str, frozenset[str]]
    menus: Mapping[str, Menu]
    commands: tuple[Command, ...]
    roles: Roles
    directory: Path
    normalizer: Normalizer = field(compare=False, repr=False)
    languages: Mapping[str, Mapping[str, str]] = field(default_factory=dict, compare=False,
                                                      repr=False)
    taxonomy: frozenset[str] = frozenset()
    review_max_age_months: int = 12
    selfcheck: SelfCheck | None = None

    def text(self, key: str, **values: object) -> str:
        """The one lookup for words a person reads: ``messages/<language>.yml`` by key,
        its {placeholders} filled in (the loader checked they match)."""
        template = self.messages[key]
        return template.format(**values) if values else template

    def topic_of(self, intent_id: str | None) -> str | None:
        """The taxonomy id an answer counts as (``None`` stays ``None``)."""
        if intent_id is None:
            return None
        intent = self.intents.get(intent_id)
        return intent.topic if intent is not None else intent_id

    def family(self, topic: str) -> frozenset[str]:
        """The intents that answer a taxonomy id's question: itself and its finer intents.

        A safety rule that routes a question to a taxonomy id ("a drug test" -> other uses)
        lets the matcher pick the finer intent written for it within this family."""
        return frozenset(i.id for i in self.intents.values() if i.topic == topic) | {topic}

    def expand(self, ids: frozenset[str]) -> frozenset[str]:
        """``ids`` plus every finer intent whose topic is one of them."""
        return ids | frozenset(i.id for i in self.intents.values() if i.topic in ids)


# --------------------------------------------------------------------------- loading


class _Collector:
    """Accumulates problems while the loader keeps going."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, file: str, message: str, intent: str | None = None,
            field_: str | None = None) -> None:
        self.problems.append(Problem(file, intent, field_, message))


def _read_yaml(path: Path, root: Path, out: _Collector) -> dict[str, Any] | None:
    name = str(path.relative_to(root)) if path.is_relative_to(root) else str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        out.add(name, "file is missing")
        return None
    except (OSError, UnicodeDecodeError) as exc:
        out.add(name, f"cannot be read: {exc}")
        return None
    try:
        data = yaml.load(text, Loader=YAML_LOADER)  # a safe loader, C or Python
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        out.add(name, f"is not valid YAML{where}: {problem}")
        return None
    except (ValueError, TypeError) as exc:  # e.g. an impossible date such as 2026-02-30
        out.add(name, f"has a value YAML cannot read: {exc}")
        return None
    if not isinstance(data, dict):
        out.add(name, "must be a mapping with a 'version' key at the top")
        return None
    if "version" not in data:
        out.add(name, "has no 'version' key", field_="version")
    return data


def _text(value: Any) -> str:
    return " ".join(str(value).split()) if value is not None else ""


def _string_list(value: Any, file: str, intent: str | None, key: str,
                 out: _Collector) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str | int | float) for v in value):
        out.add(file, "must be a list of strings", intent, key)
        return ()
    return tuple(str(v).strip() for v in value)


def _load_sources(root: Path, out: _Collector) -> dict[str, Source]:
    data = _read_yaml(root / "sources.yml", root, out) or {}
    sources: dict[str, Source] = {}
    entries = data.get("sources", [])
    if not isinstance(entries, list):
        out.add("sources.yml", "'sources' must be a list", field_="sources")
        return sources
    for n, entry in enumerate(entries, 1):
        if not isinstance(entry, dict):
            out.add("sources.yml", f"entry {n} must be a mapping", field_="sources")
            continue
        sid = str(entry.get("id", "")).strip()
        label = sid or f"#{n}"
        for key in sorted(set(entry) - SOURCE_KEYS):
            out.add("sources.yml", f"unknown key (allowed: {', '.join(sorted(SOURCE_KEYS))})",
                    f"source {label}", key)
        for key in ("id", "short", "citation", "url"):
            if not _text(entry.get(key)):
                out.add("sources.yml", "is required", f"source {label}", key)
        year = entry.get("year")
        if year is not None and not (isinstance(year, int) and 1900 < year < 2100):
            out.add("sources.yml", "must be a year like 2016, or null", f"source {label}", "year")
            year = None
        url = _text(entry.get("url"))
        if url and not url.startswith(("https://", "http://")):
            out.add("sources.yml", "must start with https://", f"source {label}", "url")
        if sid in sources:
            out.add("sources.yml", "duplicate source id", f"source {sid}", "id")
        if sid:
            sources[sid] = Source(sid, _text(entry.get("short")), year,
                                  _text(entry.get("citation")), url,
                                  _text(entry.get("status")) or "verified")
    return sources


def _load_synonyms(root: Path, out: _Collector) -> tuple[dict[str, str], frozenset[str]]:
    data = _read_yaml(root / "synonyms.yml", root, out) or {}
    table: dict[str, str] = {}
    phrases = data.get("phrases", {})
    if not isinstance(phrases, dict):
        out.add("synonyms.yml", "'phrases' must map a canonical word to a list of variants",
                field_="phrases")
        phrases = {}
    for canonical, variants in phrases.items():
        canon = to_plain(str(canonical))
        for variant in _string_list(variants, "synonyms.yml", None, f"phrases.{canonical}",
                                    out):
            key = to_plain(variant)
            if key in table and table[key] != canon:
                out.add("synonyms.yml", f"'{variant}' is listed under both '{table[key]}' "
                        f"and '{canon}'", field_=f"phrases.{canonical}")
            table[key] = canon
    stopwords = frozenset(
        to_plain(w) for w in _string_list(data.get("stopwords"), "synonyms.yml", None,
                                          "stopwords", out)
    )
    return table, stopwords


def _compile(pattern: Any, file: str, where: str, out: _Collector) -> re.Pattern[str] | None:
    try:
        return re.compile(str(pattern))
    except re.error as exc:
        out.add(file, f"invalid regular expression ({exc}): {pattern!r}", field_=where)
        return None


def _compile_list(value: Any, file: str, where: str,
                  out: _Collector) -> tuple[re.Pattern[str], ...]:
    """Each pattern is checked on its own (so a mistake is named), then all are joined into
    one alternation: one regex search per group instead of one per pattern."""
    compiled = [p for p in (_compile(p, file, where, out)
                            for p in _string_list(value, file, None, where, out))
                if p is not None]
    if len(compiled) < 2:
        return tuple(compiled)
    return (re.compile("|".join(f"(?:{p.pattern})" for p in compiled)),)


def _word_pattern(words: tuple[str, ...]) -> re.Pattern[str]:
    """One compiled alternation of whole words (longest first); never matches if empty."""
    plain = sorted({to_plain(w) for w in words if to_plain(w)}, key=lambda w: (-len(w), w))
    if not plain:
        return re.compile(r"(?!)")
    return re.compile(r"\b(?:" + "|".join(re.escape(w) for w in plain) + r")\b")


def _load_safety(root: Path, out: _Collector) -> SafetyRules:
    file = "safety.yml"
    data = _read_yaml(root / file, root, out) or {}
    medicines = data.get("other_medicines", {}) or {}
    if not isinstance(medicines, dict):
        out.add(file, "must map each kind of medicine to a list of names",
                field_="other_medicines")
        medicines = {}
    never = re.compile(r"(?!)")

    def single(key: str) -> re.Pattern[str]:
        if key not in data:
            out.add(file, "is required", field_=key)
            return never
        return _compile(data[key], file, key, out) or never

    # Each field of SafetyRules is read from the safety.yml key of the same name: patterns
    # and lists of intent ids at the top level, medicine names under other_medicines
    # (``rls_specific_medicines`` <- ``other_medicines.rls_specific``).
    values: dict[str, Any] = {}
    for f in fields(SafetyRules):
        if f.name not in data and f.default is not MISSING:
            continue  # optional: the field's default
        if f.name.endswith("_medicines"):
            kind = f.name.removesuffix("_medicines")
            values[f.name] = _word_pattern(_string_list(
                medicines.get(kind), file, None, f"other_medicines.{kind}", out))
        elif f.type == "re.Pattern[str]":
            values[f.name] = single(f.name)
        elif f.type == "frozenset[str]":
            values[f.name] = frozenset(_string_list(data.get(f.name), file, None, f.name, out))
    values["other_uses"] = _compile_list(data.get("other_uses"), file, "other_uses", out)
    return SafetyRules(**values)


DANGER_CONCEPTS = ("crisis", "lethal", "farewell", "despair", "unreachable", "means",
                   "denial", "severe", "event", "young", "ingest", "medicine", "mistake",
                   "symptom", "depressant", "skin", "fever", "other_person", "self_person",
                   "amount", "affairs", "at_hand", "drowsy")
DANGER_MARKERS = ("negation", "subject", "asking", "warning", "question", "hypothetical",
                  "history", "resolved", "present", "now", "reported", "joking", "leaflet",
                  "told")
OPTIONAL_MARKERS = frozenset({"told"})
"""Markers a language may leave out (added after the first languages were written)."""
DANGER_REPLIES = ("crisis", "crisis_other", "emergency", "poison", "risk_line_emergency",
                  "risk_line_crisis")


@dataclass
class _DangerParts:
    """What the danger files add up to, language by language, before it is compiled once."""

    concepts: dict[str, list[str]] = field(
        default_factory=lambda: {name: [] for name in DANGER_CONCEPTS})
    markers: dict[str, list[str]] = field(
        default_factory=lambda: {name: [] for name in DANGER_MARKERS})
    idioms: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    replies: dict[str, dict[str, DangerText]] = field(default_factory=dict)
    sources_titles: dict[str, dict[str, str]] = field(default_factory=dict)
    false_negation: dict[str, frozenset[str]] = field(default_factory=dict)
    false_friends: dict[str, frozenset[str]] = field(default_factory=dict)
    conditional: dict[str, frozenset[str]] = field(default_factory=dict)
    correction: dict[str, frozenset[str]] = field(default_factory=dict)
    complement: dict[str, frozenset[str]] = field(default_factory=dict)
    result: dict[str, frozenset[str]] = field(default_factory=dict)
    looking_back: dict[str, frozenset[str]] = field(default_factory=dict)
    subjects: dict[str, str] = field(default_factory=dict)


def _load_danger(root: Path, languages: tuple[str, ...], out: _Collector) -> Lexicon:
    """``knowledge/danger/<lang>.yml``: every language's concepts compiled together (danger is
    looked for in all of them at once), and each language's fixed replies. English is
    required; a language without a file is answered in English."""
    parts = _DangerParts()
    folder = root / "danger"
    present = [lang for lang in languages if (folder / f"{lang}.yml").is_file()]
    if "en" not in present:
        # English is the fallback for every reply: without it nothing can be answered.
        present.insert(0, "en")
    for lang in present:
        data = _read_yaml(folder / f"{lang}.yml", root, out)
        if data is not None:
            _read_danger_language(lang, data, parts, out)
    for name in ("crisis", "severe", "event", "symptom"):
        if not parts.concepts[name]:
            out.add("danger/", f"no language defines the '{name}' concept")
    return _lexicon(parts, _load_common(root, out))


def _load_common(root: Path, out: _Collector) -> Mapping[str, int]:
    """``danger/common.json``: how often the patterns' literals occur in ordinary messages,
    rebuilt by ``scripts/count_anchors.py``. Only speed depends on it (which anchor each
    pattern is found through); without it, or with a literal it does not list, the longest
    anchor is chosen as before."""
    path = root / "danger" / "common.json"
    if not path.is_file():
        return MappingProxyType({})
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        counts = data["counts"]
        if not isinstance(counts, dict) or not all(
                isinstance(k, str) and isinstance(v, int) and v >= 0
                for k, v in counts.items()):
            raise ValueError("counts must map a literal to a whole number")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        out.add("danger/common.json", f"cannot be read: {exc}")
        return MappingProxyType({})
    return MappingProxyType(counts)


def _read_danger_language(lang: str, data: dict[str, Any], parts: _DangerParts,
                          out: _Collector) -> None:
    """One language's file adds to every language's patterns, and brings its own replies."""
    file = f"danger/{lang}.yml"
    for key in sorted(set(data) - {"version", "language", "concepts", "markers", "idioms",
                                   "keywords", "replies", "sources_title"}):
        out.add(file, "unknown top-level key", field_=key)
    _danger_concepts(data.get("concepts") or {}, file, parts.concepts, out)
    _danger_markers(lang, data.get("markers") or {}, file, parts, out)
    for pattern in _string_list(data.get("idioms"), file, None, "idioms", out):
        if _compile(pattern, file, "idioms", out):
            parts.idioms.append(pattern)
    parts.keywords.extend(to_plain(k) for k in _string_list(data.get("keywords"), file, None,
                                                            "keywords", out))
    parts.replies[lang] = _danger_replies(data.get("replies"), file, out)
    titles = data.get("sources_title")
    if titles is not None:
        # "Fuente:" / "Fuentes:" under the reply: a heading in the reply's own language
        if not (isinstance(titles, dict) and set(titles) == {"one", "many"}
                and all(isinstance(v, str) and v.strip() for v in titles.values())):
            out.add(file, "must give 'one' and 'many' (\"Source:\", \"Sources:\")",
                    field_="sources_title")
        else:
            parts.sources_titles[lang] = {k: str(v).strip() for k, v in titles.items()}


def _danger_concepts(found: Any, file: str, concepts: dict[str, list[str]],
                     out: _Collector) -> None:
    """Only the known concepts: the detector's rules are written against these names."""
    if not isinstance(found, dict):
        out.add(file, "must map a concept to a list of patterns", field_="concepts")
        found = {}
    for name, patterns in found.items():
        if name not in concepts:
            out.add(file, f"unknown concept (known: {', '.join(DANGER_CONCEPTS)})",
                    field_=f"concepts.{name}")
            continue
        for pattern in _string_list(patterns, file, None, f"concepts.{name}", out):
            if _compile(pattern, file, f"concepts.{name}", out):
                concepts[name].append(pattern)


def _danger_markers(lang: str, found_markers: Any, file: str, parts: _DangerParts,
                    out: _Collector) -> None:
    """Every marker but the optional ones is required: a language without one would miss a
    negation or a question."""
    for name in DANGER_MARKERS:
        marker = found_markers.get(name) if isinstance(found_markers, dict) else None
        if not marker:
            if name not in OPTIONAL_MARKERS:
                out.add(file, "is required", field_=f"markers.{name}")
        elif _compile(marker, file, f"markers.{name}", out):
            parts.markers[name].append(str(marker))
    subject = found_markers.get("subject") if isinstance(found_markers, dict) else None
    if subject and str(subject) in parts.markers["subject"]:  # only a pattern that compiled
        parts.subjects[lang] = str(subject)
    raw_false = found_markers.get("false_negation") if isinstance(found_markers, dict) else ""
    parts.false_negation[lang] = frozenset(str(raw_false or "").split("|")) - {""}
    raw_friends = (found_markers.get("false_friends")
                   if isinstance(found_markers, dict) else "")
    parts.false_friends[lang] = frozenset(str(raw_friends or "").split("|")) - {""}
    raw_if = found_markers.get("conditional") if isinstance(found_markers, dict) else ""
    parts.conditional[lang] = frozenset(str(raw_if or "").split("|")) - {""}
    raw_fix = found_markers.get("correction") if isinstance(found_markers, dict) else ""
    parts.correction[lang] = frozenset(str(raw_fix or "").split("|")) - {""}
    raw_that = found_markers.get("complement") if isinstance(found_markers, dict) else ""
    parts.complement[lang] = frozenset(str(raw_that or "").split("|")) - {""}
    raw_so = found_markers.get("result") if isinstance(found_markers, dict) else ""
    parts.result[lang] = frozenset(str(raw_so or "").split("|")) - {""}
    raw_back = found_markers.get("looking_back") if isinstance(found_markers, dict) else ""
    parts.looking_back[lang] = frozenset(str(raw_back or "").split("|")) - {""}


def _joined(patterns: list[str], *, words: bool = True) -> re.Pattern[str]:
    """One regex search per marker, whatever the number of languages; never matches if empty."""
    if not patterns:
        return re.compile(r"(?!)")
    body = "|".join(f"(?:{p})" for p in patterns)
    return re.compile(rf"\b(?:{body})\b" if words else body)


def _anchored(patterns: list[str], common: Mapping[str, int], *,
              words: bool = True) -> Searchable:
    """Every language's alternatives of a marker, searched through their anchors (see
    ``danger.Alternation``); never matches if empty."""
    if not patterns:
        return re.compile(r"(?!)")
    return Alternation((a for p in patterns for a in alternatives(p)), words=words,
                       common=common)


def _lexicon(parts: _DangerParts, common: Mapping[str, int]) -> Lexicon:
    """Compiled once at load, so reading a message for danger never compiles a pattern."""
    concepts, markers, keywords = parts.concepts, parts.markers, parts.keywords
    every_pattern = [p for ps in (*concepts.values(), parts.idioms) for p in ps]

    def _anchored_marker(name: str, *, words: bool = True) -> Searchable:
        return _anchored(markers[name], common, words=words)

    return Lexicon(
        concepts=MappingProxyType({name: tuple(re.compile(rf"\b(?:{p})\b") for p in ps)
                                   for name, ps in concepts.items()}),
        negation=_joined(markers["negation"], words=False),
        subject=MappingProxyType({lang: _joined([pattern], words=False)
                                  for lang, pattern in parts.subjects.items()}),
        asking=_anchored_marker("asking"),
        warning=_anchored_marker("warning"),
        question=_anchored_marker("question", words=False),
        hypothetical=_anchored_marker("hypothetical", words=False),
        history=_anchored_marker("history", words=False),
        present=_anchored_marker("present", words=False),
        now=_anchored_marker("now", words=False),
        resolved=_anchored_marker("resolved", words=False),
        reported=_anchored_marker("reported", words=False),
        joking=_anchored_marker("joking", words=False),
        leaflet=_anchored_marker("leaflet"),
        told=_joined(markers["told"]),
        false_negation=MappingProxyType(parts.false_negation),
        false_friends=MappingProxyType(parts.false_friends),
        conditional=MappingProxyType(parts.conditional),
        correction=frozenset(w for words in parts.correction.values() for w in words),
        complement=frozenset(w for words in parts.complement.values() for w in words),
        result=frozenset(w for words in parts.result.values() for w in words),
        looking_back=frozenset(w for words in parts.looking_back.values() for w in words),
        idioms=tuple(re.compile(rf"\b(?:{p})\b") for p in parts.idioms),
        keywords=tuple(sorted(set(keywords))),
        known_words=literal_words(every_pattern) | frozenset(keywords),
        replies=MappingProxyType({k: MappingProxyType(v) for k, v in parts.replies.items()}),
        sources_titles=MappingProxyType(
            {k: MappingProxyType(v) for k, v in parts.sources_titles.items()}),
        common=common,
    )


def _load_danger_model(root: Path, out: _Collector) -> DangerModel | None:
    """``danger/model.json`` if there is one (a knowledge base without it relies on the
    concepts alone)."""
    path = root / "danger" / "model.json"
    if not path.is_file():
        return None
    try:
        model = DangerModel.load(path)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        out.add("danger/model.json", f"cannot be read: {exc}")
        return None
    for tier in ("crisis", "emergency", "poison"):
        if not 0 < model.thresholds.get(tier, 0) <= 1:
            out.add("danger/model.json", "must give a threshold between 0 and 1",
                    field_=f"thresholds.{tier}")
    return model


def _load_language_words(root: Path, out: _Collector) -> dict[str, frozenset[str]]:
    data = _read_yaml(root / "language_id.yml", root, out) or {}
    words = data.get("words") or {}
    if not isinstance(words, dict):
        out.add("language_id.yml", "must map a language code to a list of words",
                field_="words")
        return {}
    for lang in sorted(set(words) - set(LANGUAGES)):
        out.add("language_id.yml", f"unknown language (known: {', '.join(LANGUAGES)})",
                field_=f"words.{lang}")
    return {lang: frozenset(to_plain(w) for w in _string_list(words.get(lang), "language_id.yml",
                                                               None, f"words.{lang}", out))
            for lang in LANGUAGES}


def _danger_replies(raw: Any, file: str, out: _Collector) -> dict[str, DangerText]:
    replies: dict[str, DangerText] = {}
    if not isinstance(raw, dict):
        out.add(file, "must map each reply to its text and sources", field_="replies")
        return replies
    for key in DANGER_REPLIES:
        entry = raw.get(key)
        if not isinstance(entry, dict) or not _text(entry.get("text")):
            out.add(file, "is required (text and sources)", field_=f"replies.{key}")
            continue
        # Paragraph breaks (a blank line in YAML's folded text) survive as blank lines.
        text = "\n\n".join(_text(p) for p in str(entry["text"]).split("\n\n") if p.strip())
        sources = _string_list(entry.get("sources"), file, None, f"replies.{key}.sources", out)
        if not sources:
            out.add(file, "needs at least one source", field_=f"replies.{key}.sources")
        if DOSE_PATTERN.search(text):
            out.add(file, "contains a dose amount; the bot never gives doses",
                    field_=f"replies.{key}")
        replies[key] = DangerText(text, sources)
    return replies


DEFAULT_REVIEW_MAX_AGE_MONTHS = 12


def _load_review_age(root: Path, out: _Collector) -> int:
    """``reviews.max_age_months`` of meta.yml: after how long kb check calls a review old."""
    data = _read_yaml(root / "meta.yml", root, _Collector()) or {}  # meta problems: once
    raw = data.get("reviews", {}) or {}
    value = raw.get("max_age_months", DEFAULT_REVIEW_MAX_AGE_MONTHS) if isinstance(
        raw, dict) else None
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 120:
        out.add("meta.yml", "must be a whole number of months from 1 to 120",
                field_="reviews.max_age_months")
        return DEFAULT_REVIEW_MAX_AGE_MONTHS
    return value


def _load_meta(root: Path, out: _Collector) -> MatchingSettings:
    file = "meta.yml"
    data = _read_yaml(root / file, root, out) or {}
    for key in sorted(set(data) - {"version", "matching", "reviews"}):
        out.add(file, "unknown top-level key (allowed: version, matching, reviews; words a "
                "person reads belong in messages/)", field_=key)
    raw = data.get("matching", {}) or {}
    settings = MatchingSettings()
    values: dict[str, float] = {}
    for key in ("answer_threshold", "suggest_threshold", "margin", "max_suggestions",
                "conversation_threshold", "urgent_threshold", "conversation_recall",
                "long_words", "long_answer_threshold"):
        value = raw.get(key, getattr(settings, key)) if isinstance(raw, dict) else None
        if not isinstance(value, int | float) or isinstance(value, bool) or not 0 <= value <= 100:
            out.add(file, "must be a number from 0 to 100", field_=f"matching.{key}")
            continue
        values[key] = value
    if values.get("suggest_threshold", 0) > values.get("answer_threshold", 100):
        out.add(file, "must not be above answer_threshold", field_="matching.suggest_threshold")
    settings = MatchingSettings(
        answer_threshold=float(values.get("answer_threshold", settings.answer_threshold)),
        suggest_threshold=float(values.get("suggest_threshold", settings.suggest_threshold)),
        margin=float(values.get("margin", settings.margin)),
        max_suggestions=int(values.get("max_suggestions", settings.max_suggestions)),
        conversation_threshold=float(values.get("conversation_threshold",
                                                settings.conversation_threshold)),
        urgent_threshold=float(values.get("urgent_threshold", settings.urgent_threshold)),
        conversation_recall=float(values.get("conversation_recall",
                                             settings.conversation_recall * 100)) / 100,
        long_words=int(values.get("long_words", settings.long_words)),
        long_answer_threshold=float(values.get("long_answer_threshold",
                                               settings.long_answer_threshold)),
    )
    return settings


def _lines(value: Any) -> str:
    """Like _text, but a block (``|``) keeps its line breaks: lists, a blank line."""
    if value is None:
        return ""
    return "\n".join(" ".join(line.split()) for line in str(value).strip().splitlines())


def _flatten(data: dict[str, Any], file: str, out: _Collector) -> dict[str, str]:
    """``messages.welcome`` -> ``welcome``; ``menus.tips.label`` stays dotted."""
    flat: dict[str, str] = {}

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                walk(f"{prefix}.{k}", v)
        elif isinstance(value, str | int | float) and not isinstance(value, bool):
            flat[prefix.removeprefix("messages.")] = _lines(value)
        else:
            out.add(file, "must be text", field_=prefix)

    for section in MESSAGE_SECTIONS:
        value = data.get(section, {})
        if not isinstance(value, dict):
            out.add(file, "must be a mapping of keys to texts", field_=section)
            continue
        walk(section, value)
    return flat


def _yaml_path(key: str) -> str:
    return key if "." in key or key == "disclaimer" else f"messages.{key}"


def _check_message(file: str, key: str, text: str, fields: frozenset[str],
                   out: _Collector) -> None:
    import string

    try:
        used = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError as exc:
        out.add(file, f"has a broken {{placeholder}}: {exc}", field_=_yaml_path(key))
        return
    if used != fields:
        want = ", ".join(f"{{{f}}}" for f in sorted(fields)) or "none"
        out.add(file, f"placeholders must be {want}", field_=_yaml_path(key))
    limit = MAX_LENGTHS.get(key, MAX_COMMAND_DESCRIPTION if key.startswith("commands.")
                            else None)
    if limit is not None and len(text) > limit:
        out.add(file, f"is longer than Telegram's {limit} characters", field_=_yaml_path(key))
    if DOSE_PATTERN.search(text):
        out.add(file, "contains a dose amount; the bot never gives doses",
                field_=_yaml_path(key))


def required_message_keys(menu_ids: Iterable[str],
                          command_names: Iterable[str]) -> dict[str, frozenset[str]]:
    """What a messages file must hold: the code's keys, plus each menu's and command's."""
    keys = dict(REQUIRED_MESSAGES)
    keys.update({f"menus.{m}.{f}": frozenset() for m in menu_ids for f in MENU_FIELDS})
    keys.update({f"commands.{c}": frozenset() for c in command_names})
    return keys


def _load_messages(root: Path, out: _Collector,
                   required: Mapping[str, frozenset[str]]) -> dict[str, dict[str, str]]:
    """Every ``messages/<language>.yml``: the same keys, the same placeholders, no doses."""
    folder = root / MESSAGES_DIR
    languages: dict[str, dict[str, str]] = {}
    paths = sorted(folder.glob("*.yml"))
    if not (folder / f"{DEFAULT_LANGUAGE}.yml").is_file():
        paths.insert(0, folder / f"{DEFAULT_LANGUAGE}.yml")  # reported as missing
    for path in paths:
        file = f"{MESSAGES_DIR}/{path.name}"
        data = _read_yaml(path, root, out)
        if data is None:
            continue
        allowed = {"version", "language", "disclaimer", *MESSAGE_SECTIONS}
        for key in sorted(set(data) - allowed):
            out.add(file, f"unknown top-level key (allowed: {', '.join(sorted(allowed))})",
                    field_=key)
        if data.get("language") != path.stem:
            out.add(file, f"must say 'language: {path.stem}' (the file's name)",
                    field_="language")
        flat = _flatten(data, file, out)
        flat["disclaimer"] = _text(data.get("disclaimer"))
        for key, placeholders in {"disclaimer": frozenset[str](), **required}.items():
            if not flat.get(key):
                out.add(file, "is required", field_=_yaml_path(key))
            else:
                _check_message(file, key, flat[key], placeholders, out)
        for key in sorted(set(flat) - set(required) - {"disclaimer"}):
            out.add(file, "unknown key: no code, menu or command uses it",
                    field_=_yaml_path(key))
        languages[path.stem] = flat
    return languages


def _parse_intent(entry: Any, file: str, n: int, out: _Collector) -> Intent | None:
    if not isinstance(entry, dict):
        out.add(file, f"entry {n} must be a mapping", field_="intents")
        return None
    iid = str(entry.get("id", "")).strip()
    label = iid or f"#{n}"
    for key in sorted(set(entry) - INTENT_KEYS):
        out.add(file, f"unknown key (allowed: {', '.join(sorted(INTENT_KEYS))})", label, key)
    _check_intent_id(iid, file, label, out)
    for key in ("title", "answer"):
        if not _text(entry.get(key)):
            out.add(file, "is required", label, key)
    title = _text(entry.get("title"))
    if len(title) > MAX_TITLE_LENGTH:
        out.add(file, f"is longer than {MAX_TITLE_LENGTH} characters (it is a button label)",
                label, "title")
    medical = entry.get("medical", True)
    if not isinstance(medical, bool):
        out.add(file, "must be true or false", label, "medical")
        medical = True
    examples = _string_list(entry.get("examples"), file, label, "examples", out)
    if len(examples) < MIN_EXAMPLES:
        out.add(file, f"has {len(examples)} example(s); write at least {MIN_EXAMPLES}",
                label, "examples")
    reviewed = _review_date(entry.get("reviewed"), file, label, out)
    topic = _text(entry.get("topic"))
    if not topic:
        out.add(file, "is required: the TAXONOMY.md id whose question this intent answers "
                "(a taxonomy intent names itself)", label, "topic")
    intent = Intent(
        id=iid, title=title, answer=_text(entry.get("answer")), examples=examples,
        medical=medical, details=_text(entry.get("details")),
        sources=_string_list(entry.get("sources"), file, label, "sources", out),
        related=_string_list(entry.get("related"), file, label, "related", out),
        reviewed=reviewed, file=file, topic=topic,
    )
    _check_intent_texts(intent, label, out)
    return intent


def _check_intent_id(iid: str, file: str, label: str, out: _Collector) -> None:
    """The id travels in button data (``i:more:<id>``), so it must be short and plain."""
    if not iid:
        out.add(file, "is required", label, "id")
    elif not ID_PATTERN.match(iid):
        out.add(file, "must be snake_case (a-z, 0-9, _)", label, "id")
    elif len(iid) > MAX_ID_LENGTH:
        out.add(file, f"is longer than {MAX_ID_LENGTH} characters (too long for button data)",
                label, "id")


def _check_intent_texts(intent: Intent, label: str, out: _Collector) -> None:
    """The bot never gives a dose, and a medical answer is only as good as its sources."""
    for key in ("title", "answer", "details"):
        if DOSE_PATTERN.search(getattr(intent, key)):
            out.add(intent.file, "contains a dose amount; the bot never gives doses", label, key)
    if intent.medical and not intent.sources:
        out.add(intent.file, "a medical intent needs at least one source", label, "sources")


def _review_date(value: Any, file: str, label: str | None, out: _Collector) -> dt.date | None:
    """A ``reviewed`` date; one in the future is a typo (nobody has reviewed it yet)."""
    if value is None:
        return None
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        out.add(file, "must be a date like 2026-11-24", label, "reviewed")
        return None
    if value > dt.date.today():
        out.add(file, f"{value} is in the future: give the date the text was checked",
                label, "reviewed")
        return None
    return value


def parse_taxonomy(text: str) -> tuple[str, ...]:
    """The intent ids of a TAXONOMY.md text, in order (its finer-intents section excluded)."""
    ids: list[str] = []
    for line in text.splitlines():
        if line.startswith(_TAXONOMY_END):
            break
        if found := _TAXONOMY_ITEM.match(line):
            ids.extend(part.strip() for part in found.group(1).split(","))
    return tuple(ids)


def _load_taxonomy(root: Path, out: _Collector) -> frozenset[str] | None:
    """The contract every question set is scored against; ``None`` if it cannot be read."""
    try:
        text = (root / TAXONOMY_FILE).read_text(encoding="utf-8")
    except FileNotFoundError:
        out.add(TAXONOMY_FILE, "file is missing (the intent ids question sets are scored "
                "against)")
        return None
    except (OSError, UnicodeDecodeError) as exc:
        out.add(TAXONOMY_FILE, f"cannot be read: {exc}")
        return None
    ids = parse_taxonomy(text)
    if not ids:
        out.add(TAXONOMY_FILE, "lists no intent ids ('- some_id: ...' bullets)")
        return None
    return frozenset(ids)


def _check_topics(intents: Mapping[str, Intent], taxonomy: frozenset[str],
                  out: _Collector, reported: frozenset[str] = frozenset()) -> None:
    """Every intent answers one taxonomy question; every taxonomy id has its intent (those a
    role names, ``reported``, are already reported by roles.yml when missing)."""
    for intent in intents.values():
        if not intent.topic:
            continue
        if intent.topic not in taxonomy:
            out.add(intent.file, f"'{intent.topic}' is not an id of {TAXONOMY_FILE}",
                    intent.id, "topic")
        elif intent.id in taxonomy and intent.topic != intent.id:
            out.add(intent.file, f"a taxonomy intent's topic is its own id ('{intent.id}')",
                    intent.id, "topic")
    for missing in sorted(taxonomy - set(intents) - reported):  # those: once
        out.add("intents/", f"no intent for the {TAXONOMY_FILE} id '{missing}'")


def _load_selfcheck(root: Path, intents: Mapping[str, Intent], sources: Mapping[str, Source],
                    out: _Collector, *, check_refs: bool) -> SelfCheck | None:
    file = "selfcheck.yml"
    if not (root / file).is_file():
        return None  # optional: a knowledge base without it simply has no self-check
    data = _read_yaml(root / file, root, out)
    if data is None:
        return None
    questions = _string_list(data.get("questions"), file, None, "questions", out)
    criteria = _string_list(data.get("criteria"), file, None, "criteria", out)
    for key, values in (("questions", questions), ("criteria", criteria)):
        if len(values) != SELFCHECK_QUESTIONS:
            out.add(file, f"needs exactly {SELFCHECK_QUESTIONS} (one per essential criterion)",
                    field_=key)
    texts = _selfcheck_texts(data, file, out)
    for key in ("title", "intro", "offered_by"):
        if not _text(data.get(key)):
            out.add(file, "is required", field_=key)
    srcs = _string_list(data.get("sources"), file, None, "sources", out)
    offered_by = _text(data.get("offered_by"))
    follow_ups = _string_list(data.get("follow_ups"), file, None, "follow_ups", out)
    if check_refs:
        _check_selfcheck_refs(file, srcs, offered_by, follow_ups, out, intents=intents,
                              sources=sources)
    if not srcs:
        out.add(file, "needs at least one source", field_="sources")
    check = SelfCheck(
        title=_text(data.get("title")), intro=_text(data.get("intro")), questions=questions,
        criteria=criteria, labels=MappingProxyType(texts["labels"]),
        results=MappingProxyType(texts["results"]), sources=srcs,
        reviewed=_review_date(data.get("reviewed"), file, None, out), offered_by=offered_by,
        follow_ups=follow_ups)
    for text in (check.title, check.intro, *questions, *criteria, *check.results.values()):
        if DOSE_PATTERN.search(text):
            out.add(file, "contains a dose amount; the bot never gives doses")
    return check


def _selfcheck_texts(data: dict[str, Any], file: str,
                     out: _Collector) -> dict[str, dict[str, str]]:
    """Every button label and result text is required: the check's code shows each of them."""
    texts: dict[str, dict[str, str]] = {}
    for group, keys in (("labels", SELFCHECK_LABELS), ("results", SELFCHECK_RESULTS)):
        raw = data.get(group)
        found: dict[str, Any] = raw if isinstance(raw, dict) else {}
        texts[group] = {k: _text(found.get(k)) for k in keys}
        for key in keys:
            if not texts[group][key]:
                out.add(file, "is required", field_=f"{group}.{key}")
    return texts


def _check_selfcheck_refs(file: str, srcs: tuple[str, ...], offered_by: str,
                          follow_ups: tuple[str, ...], out: _Collector, *,
                          intents: Mapping[str, Intent], sources: Mapping[str, Source]) -> None:
    """Ids into other files; a renamed intent or source must not leave a dead link."""
    for sid in srcs:
        if sid not in sources:
            out.add(file, f"unknown source id '{sid}' (see sources.yml)", field_="sources")
    if offered_by and offered_by not in intents:
        out.add(file, f"unknown intent id '{offered_by}'", field_="offered_by")
    for iid in follow_ups:
        if iid not in intents:
            out.add(file, f"unknown intent id '{iid}'", field_="follow_ups")


def _load_intents(root: Path, out: _Collector) -> dict[str, Intent]:
    intents: dict[str, Intent] = {}
    folder = root / "intents"
    files = sorted(folder.glob("*.yml")) + sorted(folder.glob("*.yaml"))
    if not files:
        out.add("intents/", "no intent files (*.yml) found")
    for path in files:
        file = str(path.relative_to(root))
        data = _read_yaml(path, root, out)
        if data is None:
            continue
        for key in sorted(set(data) - {"version", "intents"}):
            out.add(file, "unknown top-level key (allowed: version, intents)", field_=key)
        entries = data.get("intents")
        if not isinstance(entries, list):
            out.add(file, "'intents' must be a list", field_="intents")
            continue
        for n, entry in enumerate(entries, 1):
            intent = _parse_intent(entry, file, n, out)
            if intent is None or not intent.id:
                continue
            if intent.id in intents:
                out.add(file, f"duplicate id (also in {intents[intent.id].file})", intent.id,
                        "id")
                continue
            intents[intent.id] = intent
    return intents


def _menu(menu_id: str, entry: Any, intents: Mapping[str, Intent], out: _Collector,
          intents_read: bool) -> Menu | None:
    file, where = "menus.yml", f"menus.{menu_id}"
    if not isinstance(entry, dict):
        out.add(file, "must be a mapping with a 'kind'", field_=where)
        return None
    allowed = ("kind", "topics", "rows", "back", "before", "after")
    for key in sorted(set(entry) - set(allowed)):
        out.add(file, f"unknown key (allowed: {', '.join(allowed)})", field_=f"{where}.{key}")
    kind = str(entry.get("kind", ""))
    if kind not in MENU_KINDS:
        out.add(file, f"must be one of {', '.join(MENU_KINDS)}", field_=f"{where}.kind")
    topics = _string_list(entry.get("topics"), file, None, f"{where}.topics", out)
    if kind in ("list", "pages") and not topics:
        out.add(file, "must list at least one intent id", field_=f"{where}.topics")
    for iid in topics:
        if intents_read and iid not in intents:
            out.add(file, f"unknown intent id '{iid}'", field_=f"{where}.topics")
    rows_raw = entry.get("rows") or []
    rows = tuple(_string_list(row, file, None, f"{where}.rows", out)
                 for row in (rows_raw if isinstance(rows_raw, list) else []))
    if kind == "main" and not rows:
        out.add(file, "must list rows of menu ids", field_=f"{where}.rows")
    before = _string_list(entry.get("before"), file, None, f"{where}.before", out)
    after = _string_list(entry.get("after"), file, None, f"{where}.after", out)
    if (before or after) and kind != "list":
        out.add(file, "only a list menu has sub-menus", field_=where)
    return Menu(menu_id, kind, tuple(i for i in topics if i in intents), rows,
                bool(entry.get("back", False)), before, after)


def _command(n: int, entry: Any, menus: Mapping[str, Menu], intents: Mapping[str, Intent],
             out: _Collector, *, intents_read: bool) -> Command | None:
    file = "menus.yml"
    if not isinstance(entry, dict) or not ID_PATTERN.match(str(entry.get("command", ""))):
        out.add(file, "needs 'command: <name>' (a-z, 0-9, _)", field_=f"commands.{n}")
        return None
    name = str(entry["command"])
    where = f"commands.{name}"
    for key in sorted(set(entry) - {"command", "admin", *COMMAND_SHOWS}):
        out.add(file, f"unknown key (allowed: command, admin, {', '.join(COMMAND_SHOWS)})",
                field_=f"{where}.{key}")
    shows = [key for key in COMMAND_SHOWS if key in entry]
    if len(shows) != 1:
        out.add(file, f"must say what it shows with exactly one of {', '.join(COMMAND_SHOWS)}",
                field_=where)
        return Command(name)
    value = str(entry[shows[0]])
    unknown = {"menu": value not in menus,
               "intent": intents_read and value not in intents,
               "handler": value not in HANDLERS,
               "message": value not in REQUIRED_MESSAGES}.get(shows[0], False)
    if unknown:
        out.add(file, f"unknown {shows[0]} '{value}'", field_=f"{where}.{shows[0]}")
    return Command(name, admin=bool(entry.get("admin", False)), **{shows[0]: value})


def _load_menus(root: Path, intents: Mapping[str, Intent], out: _Collector,
                intents_read: bool = True) -> tuple[dict[str, Menu], tuple[Command, ...]]:
    """The one registry of menus and commands, for Telegram and the terminal alike."""
    data = _read_yaml(root / "menus.yml", root, out) or {}
    raw_menus = data.get("menus", {})
    if not isinstance(raw_menus, dict) or "main" not in raw_menus:
        out.add("menus.yml", "must map menu ids to menus, 'main' among them", field_="menus")
        raw_menus = raw_menus if isinstance(raw_menus, dict) else {}
    menus: dict[str, Menu] = {}
    for menu_id, entry in raw_menus.items():
        if not ID_PATTERN.match(str(menu_id)) or len(str(menu_id)) > 20:
            out.add("menus.yml", "a menu id is snake_case, at most 20 characters",
                    field_=f"menus.{menu_id}")
            continue
        menu = _menu(str(menu_id), entry, intents, out, intents_read)
        if menu is not None:
            menus[menu.id] = menu
    _check_menu_refs(menus, out)
    commands = _commands(data.get("commands", []), menus, intents, out,
                         intents_read=intents_read)
    return menus, commands


def _check_menu_refs(menus: Mapping[str, Menu], out: _Collector) -> None:
    """Once every menu is read, since a menu may name one defined after it."""
    for menu in menus.values():
        for row in menu.rows:
            for ref in row:
                if ref not in menus:
                    out.add("menus.yml", f"unknown menu '{ref}'", field_=f"menus.{menu.id}.rows")
        for key in ("before", "after"):
            for ref in getattr(menu, key):
                if ref not in menus:
                    out.add("menus.yml", f"unknown menu '{ref}'", field_=f"menus.{menu.id}.{key}")


def _commands(raw_commands: Any, menus: Mapping[str, Menu], intents: Mapping[str, Intent],
              out: _Collector, *, intents_read: bool) -> tuple[Command, ...]:
    """Two commands of one name would leave it unclear which of them /name runs."""
    commands: list[Command] = []
    for n, entry in enumerate(raw_commands if isinstance(raw_commands, list) else [], 1):
        command = _command(n, entry, menus, intents, out, intents_read=intents_read)
        if command is not None:
            if any(c.name == command.name for c in commands):
                out.add("menus.yml", "duplicate command", field_=f"commands.{command.name}")
            commands.append(command)
    return tuple(commands)


def _load_roles(root: Path, intents: Mapping[str, Intent], out: _Collector,
                intents_read: bool = True) -> Roles:
    """Every role present and pointing at an intent that exists, or a problem naming both
    the file and the role."""
    data = _read_yaml(root / ROLES_FILE, root, out) or {}
    raw = data.get("roles", {})
    if not isinstance(raw, dict):
        out.add(ROLES_FILE, "'roles' must map a role to an intent id", field_="roles")
        raw = {}
    for key in sorted(set(raw) - set(SINGLE_ROLES) - set(LIST_ROLES)):
        out.add(ROLES_FILE, "unknown role (the code uses: "
                f"{', '.join((*SINGLE_ROLES, *LIST_ROLES))})", field_=f"roles.{key}")
    values: dict[str, Any] = {}
    for role in (*SINGLE_ROLES, *LIST_ROLES):
        where = f"roles.{role}"
        if role in SINGLE_ROLES:
            value = raw.get(role)
            ids: tuple[str, ...] = (str(value).strip(),) if isinstance(value, str) else ()
            if value is not None and not isinstance(value, str):
                out.add(ROLES_FILE, "must be one intent id", field_=where)
        else:
            ids = _string_list(raw.get(role), ROLES_FILE, None, where, out)
        if not ids or not all(ids):
            out.add(ROLES_FILE, "is required: name the intent that plays this role",
                    field_=where)
        for iid in ids:
            if iid and intents_read and iid not in intents:
                out.add(ROLES_FILE, f"unknown intent id '{iid}' (renamed or deleted? point "
                        "the role at the intent that now plays it)", field_=where)
        values[role] = ids[0] if role in SINGLE_ROLES and ids else ids
    found: dict[str, Any] = {role: values.get(role) or ("" if role in SINGLE_ROLES else ())
                             for role in (*SINGLE_ROLES, *LIST_ROLES)}
    return Roles(**found)


def _role_ids(roles: Roles, role: str) -> tuple[str, ...]:
    value: str | tuple[str, ...] = getattr(roles, role)
    return (value,) if isinstance(value, str) else value


def _cross_check(intents: Mapping[str, Intent], sources: Mapping[str, Source],
                 normalizer: Normalizer, out: _Collector, *, sources_read: bool = True,
                 intents_read: bool = True) -> None:
    """References between files; skipped for a file that could not be read, so one YAML
    typo is one problem, not a hundred "unknown id" echoes of it."""
    seen: dict[str, str] = {}
    for intent in intents.values():
        for sid in intent.sources:
            if sources_read and sid not in sources:
                out.add(intent.file, f"unknown source id '{sid}' (see sources.yml)",
                        intent.id, "sources")
        for rid in intent.related:
            if not intents_read:
                continue
            if rid not in intents:
                out.add(intent.file, f"unknown intent id '{rid}'", intent.id, "related")
            elif rid == intent.id:
                out.add(intent.file, "an intent cannot be related to itself", intent.id,
                        "related")
        for example in intent.examples:
            key = normalizer.normalize(example).canonical
            if not key:
                out.add(intent.file, f"example {example!r} is empty once normalised",
                        intent.id, "examples")
                continue
            owner = seen.setdefault(key, intent.id)
            if owner != intent.id:
                out.add(intent.file, f"example {example!r} is also an example of '{owner}' "
                        "(after normalisation)", intent.id, "examples")


FINGERPRINT_CHUNK = 1 << 16
_LAST_LOADED: dict[str, tuple[Path, bytes, KnowledgeBase]] = {}
"""One slot, "last": the knowledge base last loaded, its folder and its files' fingerprint
(names relative to the folder, and contents)."""


def _fingerprint(root: Path) -> bytes:
    """Every file the loader may read, by name and content (the training messages are not
    read at run time). Content, not modification times: an edit saved twice within a clock
    tick is still a new knowledge base. A CRC-32 and the total size, with zlib (already in
    every process): hashlib would load OpenSSL, 4 MB more for a one-question `rls-bot ask`
    (measured); this only tells the last knowledge base from the next, and an operator's
    reload never relies on it."""
    crc, size = 0, 0
    for path in sorted(p for p in root.rglob("*") if p.is_file()
                       and "training" not in p.relative_to(root).parts):
        crc = zlib.crc32(str(path.relative_to(root)).encode() + b"\0", crc)
        with path.open("rb") as stream:  # in pieces: the danger model alone is 2 MB
            for chunk in iter(lambda: stream.read(FINGERPRINT_CHUNK), b""):
                crc = zlib.crc32(chunk, crc)
                size += len(chunk)
    return crc.to_bytes(4, "big") + size.to_bytes(8, "big")


def load_knowledge_base(directory: Path | str | None = None, *,
                        fresh: bool = False) -> KnowledgeBase:
    """Load and validate; raise :class:`KnowledgeBaseError` listing every problem.

    The same files give the same (read-only) knowledge base: loading takes over a second
    (compiling thousands of patterns), and one process may load it many times (every
    command of the CLI in the tests). The last one loaded is kept, keyed by the files'
    content; a broken one never is. ``fresh``: read it again whatever the fingerprint says
    (an operator's reload)."""
    root = Path(directory) if directory is not None else DEFAULT_DIR
    out = _Collector()
    if not root.is_dir():
        out.add(str(root), "is not a directory")
        raise KnowledgeBaseError(out.problems)
    try:
        fingerprint = _fingerprint(root)
    except OSError:
        fingerprint = b""
    last = _LAST_LOADED.get("last")
    if not fresh and fingerprint and last is not None and last[1] == fingerprint:
        # The same files, perhaps in another folder (a copy): only the folder differs.
        return last[2] if last[0] == root.resolve() else replace(last[2], directory=root)
    kb = _load(root, out)
    if fingerprint:
        _LAST_LOADED["last"] = (root.resolve(), fingerprint, kb)
    return kb


def _load(root: Path, out: _Collector) -> KnowledgeBase:
    before = len(out.problems)
    sources = _load_sources(root, out)
    sources_read = not any(p.file == "sources.yml" and "YAML" in p.message
                           for p in out.problems[before:])
    synonyms, stopwords = _load_synonyms(root, out)
    matching = _load_meta(root, out)
    safety = _load_safety(root, out)
    danger = _load_danger(root, LANGUAGES, out)
    language_words = _load_language_words(root, out)
    danger_model = _load_danger_model(root, out)
    before = len(out.problems)
    intents = _load_intents(root, out)
    intents_read = not any(p.file.startswith("intents") and "valid YAML" in p.message
                           for p in out.problems[before:])
    menus, commands = _load_menus(root, intents, out, intents_read)
    languages = _load_messages(root, out, required_message_keys(
        menus, (c.name for c in commands)))
    messages = dict(languages.get(DEFAULT_LANGUAGE, {}))
    disclaimer = messages.pop("disclaimer", "")
    roles = _load_roles(root, intents, out, intents_read)
    taxonomy = _load_taxonomy(root, out)
    if taxonomy is not None and intents_read:
        _check_topics(intents, taxonomy, out, frozenset(
            iid for role in fields(Roles) for iid in _role_ids(roles, role.name)))
    review_age = _load_review_age(root, out)
    selfcheck = _load_selfcheck(root, intents, sources, out,
                                check_refs=sources_read and intents_read)
    for key in (f.name for f in fields(SafetyRules) if f.type == "frozenset[str]"):
        for iid in sorted(getattr(safety, key) - set(intents) if intents_read else ()):
            out.add("safety.yml", f"unknown intent id '{iid}'", field_=key)
    if sources_read:
        for lang, texts in danger.replies.items():
            for key, reply in texts.items():
                for sid in sorted(set(reply.sources) - set(sources)):
                    out.add(f"danger/{lang}.yml", f"unknown source id '{sid}'",
                            field_=f"replies.{key}.sources")
    normalizer = Normalizer(synonyms)
    _cross_check(intents, sources, normalizer, out, sources_read=sources_read,
                 intents_read=intents_read)
    if out.problems:
        raise KnowledgeBaseError(out.problems)
    return KnowledgeBase(
        intents=MappingProxyType(intents), sources=MappingProxyType(sources),
        synonyms=MappingProxyType(synonyms), stopwords=stopwords, disclaimer=disclaimer,
        messages=MappingProxyType(messages), matching=matching, safety=safety, danger=danger,
        language_words=MappingProxyType(language_words), danger_model=danger_model,
        menus=MappingProxyType(menus), commands=commands, roles=roles,
        directory=root, normalizer=normalizer, taxonomy=taxonomy or frozenset(),
        review_max_age_months=review_age, selfcheck=selfcheck,
        languages=MappingProxyType({k: MappingProxyType(v) for k, v in languages.items()}),
    )
