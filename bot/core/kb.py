"""Load ``knowledge/`` into frozen dataclasses, or report every authoring problem at once.

Curators edit YAML by hand; a traceback teaches them nothing. The loader therefore never
stops at the first mistake: it collects a :class:`Problem` (file, intent, field, message)
for each one and raises a single :class:`KnowledgeBaseError` listing them all, which
``rls-bot kb check`` prints and ``/reload`` shows to an admin.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from bot.core.danger import DangerText, Lexicon, literal_words
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

REQUIRED_MESSAGES = (
    "welcome", "fallback", "suggest", "non_text", "empty", "too_long", "error", "flood",
    "stale_button", "about", "privacy", "tips_intro", "guidelines_intro", "sources_intro",
    "menu",
)
INTENT_KEYS = frozenset(
    {"id", "title", "medical", "answer", "details", "sources", "related", "reviewed",
     "examples"}
)
SOURCE_KEYS = frozenset({"id", "short", "year", "citation", "url", "status"})
URGENT_INTENT = "urgent_help"
REQUIRED_INTENTS = (URGENT_INTENT, "other_medications", "gabapentin_other_uses")
# libyaml's C loader parses the knowledge base several times faster (start-up, /reload).
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


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


@dataclass(frozen=True)
class MatchingSettings:
    answer_threshold: float = 62.0
    suggest_threshold: float = 45.0
    margin: float = 4.0
    max_suggestions: int = 3
    conversation_threshold: float = 50.0
    urgent_threshold: float = 60.0
    conversation_recall: float = 0.6


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
    medicine_topics: re.Pattern[str]
    medicine_topic_intents: frozenset[str]
    needs_gabapentin: frozenset[str]
    other_uses_unless: re.Pattern[str]
    weak_anchor: re.Pattern[str]
    pregnancy: re.Pattern[str]
    pregnancy_medicine: re.Pattern[str]
    pregnancy_intents: frozenset[str]
    dose_amount: re.Pattern[str]


@dataclass(frozen=True)
class KnowledgeBase:
    intents: Mapping[str, Intent]
    sources: Mapping[str, Source]
    synonyms: Mapping[str, str]
    stopwords: frozenset[str]
    disclaimer: str
    messages: Mapping[str, str]
    matching: MatchingSettings
    safety: SafetyRules
    danger: Lexicon
    danger_model: DangerModel | None
    language_words: Mapping[str, frozenset[str]]
    tips: tuple[str, ...]
    guidelines: tuple[str, ...]
    about: tuple[str, ...]
    gabapentin: tuple[str, ...]
    directory: Path
    normalizer: Normalizer = field(compare=False, repr=False)

    def intent(self, intent_id: str) -> Intent:
        return self.intents[intent_id]


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
        data = yaml.load(text, Loader=_YAML_LOADER)  # a safe loader, C or Python
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
        out.add(file, "must map 'rls_specific' and 'general' to lists", field_="other_medicines")
        medicines = {}
    never = re.compile(r"(?!)")

    def single(key: str) -> re.Pattern[str]:
        if key not in data:
            out.add(file, "is required", field_=key)
            return never
        return _compile(data[key], file, key, out) or never

    return SafetyRules(
        risk_intents=frozenset(_string_list(data.get("risk_intents"), file, None,
                                            "risk_intents", out)),
        rls_specific_medicines=_word_pattern(
            _string_list(medicines.get("rls_specific"), file, None,
                         "other_medicines.rls_specific", out)),
        general_medicines=_word_pattern(
            _string_list(medicines.get("general"), file, None, "other_medicines.general",
                         out)),
        other_uses=_compile_list(data.get("other_uses"), file, "other_uses", out),
        rls_context=single("rls_context"),
        legs_context=single("legs_context"),
        dose_question=single("dose_question"),
        domain_anchor=single("domain_anchor"),
        not_rls=single("not_rls"),
        conversation_intents=frozenset(_string_list(data.get("conversation_intents"), file,
                                                    None, "conversation_intents", out)),
        not_for_rls=single("not_for_rls"),
        interaction=single("interaction"),
        interaction_intents=frozenset(_string_list(data.get("interaction_intents"), file,
                                                   None, "interaction_intents", out)),
        medicine_topics=single("medicine_topics"),
        medicine_topic_intents=frozenset(_string_list(data.get("medicine_topic_intents"), file,
                                                      None, "medicine_topic_intents", out)),
        other_uses_unless=single("other_uses_unless"),
        weak_anchor=single("weak_anchor"),
        pregnancy=single("pregnancy"),
        pregnancy_medicine=single("pregnancy_medicine"),
        pregnancy_intents=frozenset(_string_list(data.get("pregnancy_intents"), file, None,
                                                 "pregnancy_intents", out)),
        dose_amount=single("dose_amount"),
        needs_gabapentin=frozenset(_string_list(data.get("needs_gabapentin"), file, None,
                                                "needs_gabapentin", out)),
    )


DANGER_CONCEPTS = ("crisis", "lethal", "farewell", "despair", "unreachable", "means",
                   "severe", "event", "young", "ingest", "medicine", "mistake", "symptom",
                   "depressant", "skin", "fever", "other_person", "self_person")
DANGER_MARKERS = ("negation", "subject", "asking", "warning", "question", "hypothetical",
                  "history", "resolved", "present", "now", "reported", "joking")
DANGER_REPLIES = ("crisis", "crisis_other", "emergency", "poison", "risk_line_emergency",
                  "risk_line_crisis")


def _load_danger(root: Path, languages: tuple[str, ...], out: _Collector) -> Lexicon:
    """``knowledge/danger/<lang>.yml``: every language's concepts compiled together (danger is
    looked for in all of them at once), and each language's fixed replies. English is
    required; a language without a file is answered in English."""
    concepts: dict[str, list[str]] = {name: [] for name in DANGER_CONCEPTS}
    markers: dict[str, list[str]] = {name: [] for name in DANGER_MARKERS}
    idioms: list[str] = []
    keywords: list[str] = []
    replies: dict[str, dict[str, DangerText]] = {}
    false_negation: dict[str, frozenset[str]] = {}
    false_friends: dict[str, frozenset[str]] = {}
    subjects: dict[str, str] = {}
    folder = root / "danger"
    present = [lang for lang in languages if (folder / f"{lang}.yml").is_file()]
    if "en" not in present:
        # English is the fallback for every reply: without it nothing can be answered.
        present.insert(0, "en")
    for lang in present:
        file = f"danger/{lang}.yml"
        data = _read_yaml(folder / f"{lang}.yml", root, out)
        if data is None:
            continue
        for key in sorted(set(data) - {"version", "language", "concepts", "markers", "idioms",
                                       "keywords", "replies"}):
            out.add(file, "unknown top-level key", field_=key)
        found = data.get("concepts") or {}
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
        found_markers = data.get("markers") or {}
        for name in DANGER_MARKERS:
            marker = found_markers.get(name) if isinstance(found_markers, dict) else None
            if not marker:
                out.add(file, "is required", field_=f"markers.{name}")
            elif _compile(marker, file, f"markers.{name}", out):
                markers[name].append(str(marker))
        if isinstance(found_markers, dict) and found_markers.get("subject"):
            subjects[lang] = str(found_markers["subject"])
        raw_false = found_markers.get("false_negation") if isinstance(found_markers, dict) else ""
        false_negation[lang] = frozenset(str(raw_false or "").split("|")) - {""}
        raw_friends = (found_markers.get("false_friends")
                       if isinstance(found_markers, dict) else "")
        false_friends[lang] = frozenset(str(raw_friends or "").split("|")) - {""}
        for pattern in _string_list(data.get("idioms"), file, None, "idioms", out):
            if _compile(pattern, file, "idioms", out):
                idioms.append(pattern)
        keywords.extend(to_plain(k) for k in _string_list(data.get("keywords"), file, None,
                                                          "keywords", out))
        replies[lang] = _danger_replies(data.get("replies"), file, out)
    for name in ("crisis", "severe", "event", "symptom"):
        if not concepts[name]:
            out.add("danger/", f"no language defines the '{name}' concept")

    def joined(patterns: list[str], *, words: bool = True) -> re.Pattern[str]:
        if not patterns:
            return re.compile(r"(?!)")
        body = "|".join(f"(?:{p})" for p in patterns)
        return re.compile(rf"\b(?:{body})\b" if words else body)

    every_pattern = [p for ps in (*concepts.values(), idioms) for p in ps]
    return Lexicon(
        concepts=MappingProxyType({name: tuple(re.compile(rf"\b(?:{p})\b") for p in ps)
                                   for name, ps in concepts.items()}),
        negation=joined(markers["negation"], words=False),
        subject=MappingProxyType({lang: joined([pattern], words=False)
                                  for lang, pattern in subjects.items()}),
        asking=joined(markers["asking"]),
        warning=joined(markers["warning"]),
        question=joined(markers["question"], words=False),
        hypothetical=joined(markers["hypothetical"], words=False),
        history=joined(markers["history"], words=False),
        present=joined(markers["present"], words=False),
        now=joined(markers["now"], words=False),
        resolved=joined(markers["resolved"], words=False),
        reported=joined(markers["reported"], words=False),
        joking=joined(markers["joking"], words=False),
        false_negation=MappingProxyType(false_negation),
        false_friends=MappingProxyType(false_friends),
        idioms=tuple(re.compile(rf"\b(?:{p})\b") for p in idioms),
        keywords=tuple(sorted(set(keywords))),
        known_words=literal_words(every_pattern) | frozenset(keywords),
        replies=MappingProxyType({k: MappingProxyType(v) for k, v in replies.items()}),
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


def _load_meta(root: Path, out: _Collector) -> tuple[str, dict[str, str], MatchingSettings]:
    file = "meta.yml"
    data = _read_yaml(root / file, root, out) or {}
    disclaimer = _text(data.get("disclaimer"))
    if not disclaimer:
        out.add(file, "is required", field_="disclaimer")
    raw_messages = data.get("messages", {})
    messages: dict[str, str] = {}
    if isinstance(raw_messages, dict):
        messages = {str(k): _text(v) for k, v in raw_messages.items()}
    for key in REQUIRED_MESSAGES:
        if not messages.get(key):
            out.add(file, "is required", field_=f"messages.{key}")
    raw = data.get("matching", {}) or {}
    settings = MatchingSettings()
    values: dict[str, float] = {}
    for key in ("answer_threshold", "suggest_threshold", "margin", "max_suggestions",
                "conversation_threshold", "urgent_threshold", "conversation_recall"):
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
    )
    for key, text in [("disclaimer", disclaimer), *messages.items()]:
        if DOSE_PATTERN.search(text):
            out.add(file, "contains a dose amount; the bot never gives doses", field_=key)
    return disclaimer, messages, settings


def _parse_intent(entry: Any, file: str, n: int, out: _Collector) -> Intent | None:
    if not isinstance(entry, dict):
        out.add(file, f"entry {n} must be a mapping", field_="intents")
        return None
    iid = str(entry.get("id", "")).strip()
    label = iid or f"#{n}"
    for key in sorted(set(entry) - INTENT_KEYS):
        out.add(file, f"unknown key (allowed: {', '.join(sorted(INTENT_KEYS))})", label, key)
    if not iid:
        out.add(file, "is required", label, "id")
    elif not ID_PATTERN.match(iid):
        out.add(file, "must be snake_case (a-z, 0-9, _)", label, "id")
    elif len(iid) > MAX_ID_LENGTH:
        out.add(file, f"is longer than {MAX_ID_LENGTH} characters (too long for button data)",
                label, "id")
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
    reviewed = entry.get("reviewed")
    if reviewed is not None and not isinstance(reviewed, dt.date):
        out.add(file, "must be a date like 2026-11-24", label, "reviewed")
        reviewed = None
    intent = Intent(
        id=iid, title=title, answer=_text(entry.get("answer")), examples=examples,
        medical=medical, details=_text(entry.get("details")),
        sources=_string_list(entry.get("sources"), file, label, "sources", out),
        related=_string_list(entry.get("related"), file, label, "related", out),
        reviewed=reviewed, file=file,
    )
    for key in ("title", "answer", "details"):
        if DOSE_PATTERN.search(getattr(intent, key)):
            out.add(file, "contains a dose amount; the bot never gives doses", label, key)
    if medical and not intent.sources:
        out.add(file, "a medical intent needs at least one source", label, "sources")
    return intent


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


def _load_menus(root: Path, intents: Mapping[str, Intent], out: _Collector,
                intents_read: bool = True) -> dict[str, tuple[str, ...]]:
    data = _read_yaml(root / "menus.yml", root, out) or {}
    menus: dict[str, tuple[str, ...]] = {}
    for key in ("tips", "guidelines", "about", "gabapentin"):
        ids = _string_list(data.get(key), "menus.yml", None, key, out)
        if not ids:
            out.add("menus.yml", "must list at least one intent id", field_=key)
        for iid in ids:
            if intents_read and iid not in intents:
                out.add("menus.yml", f"unknown intent id '{iid}'", field_=key)
        menus[key] = tuple(i for i in ids if i in intents)
    return menus


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
    for required in REQUIRED_INTENTS:
        if intents_read and required not in intents:
            out.add("intents/", f"the '{required}' intent is required (safety rules answer "
                    "with it)")


def load_knowledge_base(directory: Path | str | None = None) -> KnowledgeBase:
    """Load and validate; raise :class:`KnowledgeBaseError` listing every problem."""
    root = Path(directory) if directory is not None else DEFAULT_DIR
    out = _Collector()
    if not root.is_dir():
        out.add(str(root), "is not a directory")
        raise KnowledgeBaseError(out.problems)
    before = len(out.problems)
    sources = _load_sources(root, out)
    sources_read = not any(p.file == "sources.yml" and "YAML" in p.message
                           for p in out.problems[before:])
    synonyms, stopwords = _load_synonyms(root, out)
    disclaimer, messages, matching = _load_meta(root, out)
    safety = _load_safety(root, out)
    danger = _load_danger(root, LANGUAGES, out)
    language_words = _load_language_words(root, out)
    danger_model = _load_danger_model(root, out)
    before = len(out.problems)
    intents = _load_intents(root, out)
    intents_read = not any(p.file.startswith("intents") and "valid YAML" in p.message
                           for p in out.problems[before:])
    menus = _load_menus(root, intents, out, intents_read)
    for key in ("risk_intents", "conversation_intents", "interaction_intents",
                "medicine_topic_intents", "needs_gabapentin", "pregnancy_intents"):
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
        tips=menus["tips"], guidelines=menus["guidelines"], about=menus["about"],
        gabapentin=menus["gabapentin"],
        directory=root, normalizer=normalizer,
    )
