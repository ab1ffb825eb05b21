"""The framework-free reply: what to say, its sources and buttons, as plain data.

Telegram (``bot/render.py``) turns it into HTML and an inline keyboard; the terminal chat
turns it into text and numbered choices. Neither adds or changes medical content.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ReplyKind = Literal[
    "answer", "details", "urgent", "suggest", "fallback", "menu", "tip", "info", "notice"
]


@dataclass(frozen=True)
class Button:
    label: str
    data: str  # callback data built by bot.core.actions


@dataclass(frozen=True)
class SourceRef:
    id: str
    label: str  # short citation with year
    citation: str
    url: str


@dataclass(frozen=True)
class Reply:
    kind: ReplyKind
    text: str
    title: str = ""
    details: str = ""
    sources: tuple[SourceRef, ...] = ()
    disclaimer: str = ""
    buttons: tuple[tuple[Button, ...], ...] = ()
    intent_id: str | None = None
    footer: str = ""  # e.g. "Tip 3 of 7"
    sources_title: str = ""  # "Source:" / "Sources:", in the reply's language
    toast: str = ""  # a short note shown over the chat when a button is tapped
    reviewed: str = ""  # e.g. "Reviewed Nov 2026": when a person last checked the text

    @property
    def all_buttons(self) -> tuple[Button, ...]:
        return tuple(b for row in self.buttons for b in row)
