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
    "menu", "reviewed",
)
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
    topic: str = ""  # the TAXONOMY.md id whose question this intent answers (own id if one)


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

    urgent: tuple[tuple[str, tuple[re.Pattern[str], ...]], ...]
    overdose_questions: tuple[re.Pattern[str], ...]
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
    pregnancy_gabapentin_intents: tuple[str, ...] = ()
    pregnancy_other_medicine: re.Pattern[str] = re.compile(r"(?!)")


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


SELFCHECK_LABELS = ("start", "yes", "no", "back", "again")
SELFCHECK_RESULTS = ("fits", "not_all", "missing", "similar", "ask_doctor", "not_diagnosis")
SELFCHECK_QUESTIONS = 5


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
    tips: tuple[str, ...]
    guidelines: tuple[str, ...]
    about: tuple[str, ...]
    gabapentin: tuple[str, ...]
    directory: Path
    normalizer: Normalizer = field(compare=False, repr=False)
    taxonomy: frozenset[str] = frozenset()
    gabapentin_safety: tuple[str, ...] = ()
    review_max_age_months: int = 12
    selfcheck: SelfCheck | None = None

    def intent(self, intent_id: str) -> Intent:
        return self.intents[intent_id]

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
    urgent_groups = data.get("urgent", {})
    urgent: list[tuple[str, tuple[re.Pattern[str], ...]]] = []
    if not isinstance(urgent_groups, dict) or not urgent_groups:
        out.add(file, "'urgent' must map a reason to a list of patterns", field_="urgent")
    else:
        for reason, patterns in urgent_groups.items():
            urgent.append((str(reason), _compile_list(patterns, file, f"urgent.{reason}", out)))
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
        urgent=tuple(urgent),
        overdose_questions=_compile_list(data.get("overdose_questions"), file,
                                         "overdose_questions", out),
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
        pregnancy_gabapentin_intents=_string_list(data.get("pregnancy_gabapentin_intents"),
                                                  file, None, "pregnancy_gabapentin_intents",
                                                  out),
        pregnancy_other_medicine=(single("pregnancy_other_medicine")
                                  if "pregnancy_other_medicine" in data else never),
    )


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
    reviewed = messages.get("reviewed", "")
    if reviewed:
        try:
            reviewed.format(date="Nov 2026")
        except (KeyError, IndexError, ValueError):
            out.add(file, "may use only {date} (e.g. 'Reviewed {date}')",
                    field_="messages.reviewed")
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
    for key in ("title", "answer", "details"):
        if DOSE_PATTERN.search(getattr(intent, key)):
            out.add(file, "contains a dose amount; the bot never gives doses", label, key)
    if medical and not intent.sources:
        out.add(file, "a medical intent needs at least one source", label, "sources")
    return intent


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
                  out: _Collector) -> None:
    """Every intent answers one taxonomy question; every taxonomy id has its intent."""
    for intent in intents.values():
        if not intent.topic:
            continue
        if intent.topic not in taxonomy:
            out.add(intent.file, f"'{intent.topic}' is not an id of {TAXONOMY_FILE}",
                    intent.id, "topic")
        elif intent.id in taxonomy and intent.topic != intent.id:
            out.add(intent.file, f"a taxonomy intent's topic is its own id ('{intent.id}')",
                    intent.id, "topic")
    for missing in sorted(taxonomy - set(intents) - set(REQUIRED_INTENTS)):  # those: once
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
    texts: dict[str, dict[str, str]] = {}
    for group, keys in (("labels", SELFCHECK_LABELS), ("results", SELFCHECK_RESULTS)):
        raw = data.get(group)
        found: dict[str, Any] = raw if isinstance(raw, dict) else {}
        texts[group] = {k: _text(found.get(k)) for k in keys}
        for key in keys:
            if not texts[group][key]:
                out.add(file, "is required", field_=f"{group}.{key}")
    for key in ("title", "intro", "offered_by"):
        if not _text(data.get(key)):
            out.add(file, "is required", field_=key)
    srcs = _string_list(data.get("sources"), file, None, "sources", out)
    offered_by = _text(data.get("offered_by"))
    if check_refs:
        for sid in srcs:
            if sid not in sources:
                out.add(file, f"unknown source id '{sid}' (see sources.yml)", field_="sources")
        if offered_by and offered_by not in intents:
            out.add(file, f"unknown intent id '{offered_by}'", field_="offered_by")
    if not srcs:
        out.add(file, "needs at least one source", field_="sources")
    check = SelfCheck(
        title=_text(data.get("title")), intro=_text(data.get("intro")), questions=questions,
        criteria=criteria, labels=MappingProxyType(texts["labels"]),
        results=MappingProxyType(texts["results"]), sources=srcs,
        reviewed=_review_date(data.get("reviewed"), file, None, out), offered_by=offered_by)
    for text in (check.title, check.intro, *questions, *criteria, *check.results.values()):
        if DOSE_PATTERN.search(text):
            out.add(file, "contains a dose amount; the bot never gives doses")
    return check


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
    for key in ("tips", "guidelines", "about", "gabapentin", "gabapentin_safety"):
        ids = _string_list(data.get(key), "menus.yml", None, key, out)
        if not ids and key != "gabapentin_safety":  # the safety sub-menu is optional
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
    before = len(out.problems)
    intents = _load_intents(root, out)
    intents_read = not any(p.file.startswith("intents") and "valid YAML" in p.message
                           for p in out.problems[before:])
    menus = _load_menus(root, intents, out, intents_read)
    taxonomy = _load_taxonomy(root, out)
    if taxonomy is not None and intents_read:
        _check_topics(intents, taxonomy, out)
    review_age = _load_review_age(root, out)
    selfcheck = _load_selfcheck(root, intents, sources, out,
                                check_refs=sources_read and intents_read)
    for key in ("conversation_intents", "interaction_intents", "medicine_topic_intents",
                "needs_gabapentin", "pregnancy_intents", "pregnancy_gabapentin_intents"):
        for iid in sorted(set(getattr(safety, key)) - set(intents) if intents_read else ()):
            out.add("safety.yml", f"unknown intent id '{iid}'", field_=key)
    normalizer = Normalizer(synonyms)
    _cross_check(intents, sources, normalizer, out, sources_read=sources_read,
                 intents_read=intents_read)
    if out.problems:
        raise KnowledgeBaseError(out.problems)
    return KnowledgeBase(
        intents=MappingProxyType(intents), sources=MappingProxyType(sources),
        synonyms=MappingProxyType(synonyms), stopwords=stopwords, disclaimer=disclaimer,
        messages=MappingProxyType(messages), matching=matching, safety=safety,
        tips=menus["tips"], guidelines=menus["guidelines"], about=menus["about"],
        gabapentin=menus["gabapentin"], gabapentin_safety=menus["gabapentin_safety"],
        directory=root, normalizer=normalizer, taxonomy=taxonomy or frozenset(),
        review_max_age_months=review_age, selfcheck=selfcheck,
    )
