"""Button data: one small type per button family, each packing and unpacking itself.

Telegram gives a button at most 64 bytes of ``callback_data`` and sends it back verbatim
when the button is tapped, possibly days later from an old message. Each family (after
aiogram's ``CallbackData(prefix=...)``) owns its prefix, its fields and its ``PATTERN``, the
regular expression a Telegram ``CallbackQueryHandler`` filters on; :meth:`Action.pack` is
the one place the 64-byte limit is checked. An old or forged button unpacks to ``None``,
which the adapter answers politely, never to a crash.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar, Literal, Self

MAX_BYTES = 64
_ID = r"[a-z][a-z0-9_]*"


@dataclass(frozen=True)
class Action:
    """Base of the button families; ``PATTERN`` matches exactly the data a family packs."""

    PREFIX: ClassVar[str]
    PATTERN: ClassVar[re.Pattern[str]]

    def fields(self) -> tuple[str, ...]:
        raise NotImplementedError

    def pack(self) -> str:
        data = ":".join((self.PREFIX, *self.fields()))
        if len(data.encode()) > MAX_BYTES or not self.PATTERN.fullmatch(data):
            raise ValueError(f"not valid callback data (at most {MAX_BYTES} bytes): {data!r}")
        return data

    @classmethod
    def build(cls, parts: tuple[str, ...]) -> Self:
        raise NotImplementedError

    @classmethod
    def unpack(cls, data: str | None) -> Self | None:
        if not data or len(data.encode()) > MAX_BYTES or not cls.PATTERN.fullmatch(data):
            return None
        return cls.build(tuple(data.split(":")[1:]))


@dataclass(frozen=True)
class MenuAction(Action):
    """Open a menu of menus.yml: ``m:tips``."""

    PREFIX: ClassVar[str] = "m"
    PATTERN: ClassVar[re.Pattern[str]] = re.compile(rf"^m:{_ID}$")
    menu: str

    def fields(self) -> tuple[str, ...]:
        return (self.menu,)

    @classmethod
    def build(cls, parts: tuple[str, ...]) -> Self:
        return cls(parts[0])


@dataclass(frozen=True)
class PageAction(Action):
    """One page of a menu browsed page by page (the self-care tips): ``p:tips:3``."""

    PREFIX: ClassVar[str] = "p"
    PATTERN: ClassVar[re.Pattern[str]] = re.compile(rf"^p:{_ID}:[0-9]{{1,3}}$")
    menu: str
    position: int

    def fields(self) -> tuple[str, ...]:
        return (self.menu, str(self.position))

    @classmethod
    def build(cls, parts: tuple[str, ...]) -> Self:
        return cls(parts[0], int(parts[1]))


TopicVerb = Literal["show", "more", "pick"]


@dataclass(frozen=True)
class TopicAction(Action):
    """An intent's answer (``show``), its details (``more``) or a did-you-mean ``pick``."""

    PREFIX: ClassVar[str] = "i"
    PATTERN: ClassVar[re.Pattern[str]] = re.compile(rf"^i:(show|more|pick):{_ID}$")
    verb: TopicVerb
    intent: str

    def fields(self) -> tuple[str, ...]:
        return (self.verb, self.intent)

    @classmethod
    def build(cls, parts: tuple[str, ...]) -> Self:
        verb: TopicVerb = "more" if parts[0] == "more" else (
            "pick" if parts[0] == "pick" else "show")
        return cls(verb, parts[1])


Vote = Literal["up", "down"]


@dataclass(frozen=True)
class FeedbackAction(Action):
    """Was this answer helpful? ``f:up:<intent>``."""

    PREFIX: ClassVar[str] = "f"
    PATTERN: ClassVar[re.Pattern[str]] = re.compile(rf"^f:(up|down):{_ID}$")
    vote: Vote
    intent: str

    def fields(self) -> tuple[str, ...]:
        return (self.vote, self.intent)

    @classmethod
    def build(cls, parts: tuple[str, ...]) -> Self:
        vote: Vote = "up" if parts[0] == "up" else "down"
        return cls(vote, parts[1])


@dataclass(frozen=True)
class SelfCheckAction(Action):
    """The "Could this be RLS?" self-check after the answers so far, y or n each:
    ``s:q`` is question 1, ``s:q:yyn`` question 4. The answers are the check's only state:
    nothing about a person's health is kept anywhere else. How many answers make sense is
    the knowledge base's business (``selfcheck.valid``); the pattern only bounds them."""

    PREFIX: ClassVar[str] = "s"
    PATTERN: ClassVar[re.Pattern[str]] = re.compile(r"^s:q(?::[yn]{1,16})?$")
    answers: str = ""

    def fields(self) -> tuple[str, ...]:
        return ("q", self.answers) if self.answers else ("q",)

    @classmethod
    def build(cls, parts: tuple[str, ...]) -> Self:
        return cls(parts[1] if len(parts) > 1 else "")


CuratorVerb = Literal["send", "none"]


@dataclass(frozen=True)
class CuratorAction(Action):
    """One tap to help the curators: ``c:send`` sends the question held for this chat,
    ``c:none`` answers a did-you-mean with "None of these". The question itself never
    travels in the button: it is held in memory (``bot.handlers.curation``)."""

    PREFIX: ClassVar[str] = "c"
    PATTERN: ClassVar[re.Pattern[str]] = re.compile(r"^c:(send|none)$")
    verb: CuratorVerb

    def fields(self) -> tuple[str, ...]:
        return (self.verb,)

    @classmethod
    def build(cls, parts: tuple[str, ...]) -> Self:
        verb: CuratorVerb = "send" if parts[0] == "send" else "none"
        return cls(verb)


MissingReason = Literal["topic", "vague", "hard", "other"]
MISSING_REASONS: tuple[MissingReason, ...] = ("topic", "vague", "hard", "other")
"""After a 👎, what was missing; each reason's label is ``buttons.missing_<reason>``."""


@dataclass(frozen=True)
class MissingAction(Action):
    """What was missing from an answer after a 👎: ``w:vague:<intent>`` (only counted)."""

    PREFIX: ClassVar[str] = "w"
    PATTERN: ClassVar[re.Pattern[str]] = re.compile(rf"^w:(topic|vague|hard|other):{_ID}$")
    reason: MissingReason
    intent: str

    def fields(self) -> tuple[str, ...]:
        return (self.reason, self.intent)

    @classmethod
    def build(cls, parts: tuple[str, ...]) -> Self:
        reason: MissingReason = next((r for r in MISSING_REASONS if r == parts[0]), "other")
        return cls(reason, parts[1])


FAMILIES: tuple[type[Action], ...] = (MenuAction, PageAction, TopicAction, FeedbackAction,
                                      SelfCheckAction, CuratorAction, MissingAction)
"""Every family's prefix is its own (m, p, i, f, s, c, w)."""


def decode(data: str | None) -> Action | None:
    """Any family's data back to its type (the terminal chat); None for anything else."""
    for family in FAMILIES:
        action = family.unpack(data)
        if action is not None:
            return action
    return None


def menu(name: str) -> str:
    return MenuAction(name).pack()


def page(menu_id: str, position: int) -> str:
    return PageAction(menu_id, position).pack()


def intent(verb: TopicVerb, intent_id: str) -> str:
    return TopicAction(verb, intent_id).pack()


def feedback(vote: Vote, intent_id: str) -> str:
    return FeedbackAction(vote, intent_id).pack()


def selfcheck(answers: str = "") -> str:
    return SelfCheckAction(answers).pack()


def curator(verb: CuratorVerb) -> str:
    return CuratorAction(verb).pack()


def missing(reason: MissingReason, intent_id: str) -> str:
    return MissingAction(reason, intent_id).pack()
