"""Button data: the one place callback_data is built and parsed.

Telegram gives a button at most 64 bytes of ``callback_data`` and sends it back verbatim
when the button is tapped, possibly days later from an old message. Keeping the codec here
(like aiogram's typed CallbackData) means an old or forged button can only ever decode to
``None``, which the adapter answers politely, never to a crash.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_BYTES = 64
_ARG = re.compile(r"[a-z0-9_]*")

# namespace -> verbs it accepts
SCHEMA: dict[str, frozenset[str]] = {
    "m": frozenset({"main", "gabapentin", "tips", "guidelines", "about", "sources",
                    "ask"}),  # menus
    "t": frozenset({"show"}),  # self-care tip by position: t:show:3
    "i": frozenset({"show", "more", "pick"}),  # intent: answer, details, did-you-mean pick
    "f": frozenset({"up", "down"}),  # was this helpful?
    "c": frozenset({"send", "none"}),  # send the held question to curators; no did-you-mean
    "w": frozenset({"topic", "vague", "hard", "other"}),  # what was missing (after a 👎)
}


@dataclass(frozen=True)
class Action:
    ns: str
    verb: str
    arg: str = ""

    def encode(self) -> str:
        data = f"{self.ns}:{self.verb}:{self.arg}" if self.arg else f"{self.ns}:{self.verb}"
        if len(data.encode()) > MAX_BYTES:
            raise ValueError(f"callback data longer than {MAX_BYTES} bytes: {data!r}")
        return data


def decode(data: str | None) -> Action | None:
    """Parse callback data; anything we did not build (or no longer build) gives None."""
    if not data or len(data.encode()) > MAX_BYTES:
        return None
    ns, _, rest = data.partition(":")
    verb, _, arg = rest.partition(":")
    if verb not in SCHEMA.get(ns, frozenset()):
        return None
    if not _ARG.fullmatch(arg):
        return None
    return Action(ns, verb, arg)


def menu(name: str) -> str:
    return Action("m", name).encode()


def tip(position: int) -> str:
    return Action("t", "show", str(position)).encode()


def intent(verb: str, intent_id: str) -> str:
    return Action("i", verb, intent_id).encode()


def feedback(verb: str, intent_id: str) -> str:
    return Action("f", verb, intent_id).encode()
