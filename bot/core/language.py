"""Which of the bot's languages a message is written in.

Danger is recognised in every language at once (``danger.py`` reads all vocabularies), so a
wrong guess here never hides an emergency; it only picks the language of the reply and of
the one-line "answers are in English for now" note. Identification uses lingua, restricted
to our six languages in its low-accuracy mode: it is built for short text, needs no model
download, answers in microseconds and adds a few MB to the process (README, design notes).
Telegram's ``language_code`` is a hint that decides when the text itself is too short or
too mixed to tell.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lingua import LanguageDetector

SUPPORTED: tuple[str, ...] = ("en", "es", "de", "fr", "pt", "it")
DEFAULT = "en"
CONFIDENT = 0.6
"""Below this share of lingua's confidence the hint (if it is one of ours) decides."""
MIN_LETTERS = 12
"""Shorter texts ("ok", "hola") say too little on their own; the hint decides first."""


@cache
def _detector() -> LanguageDetector:
    from lingua import IsoCode639_1, LanguageDetectorBuilder

    codes = [getattr(IsoCode639_1, code.upper()) for code in SUPPORTED]
    return (LanguageDetectorBuilder.from_iso_codes_639_1(*codes)
            .with_low_accuracy_mode().build())


def detect(text: str, hint: str | None = None) -> str:
    """The ISO 639-1 code of the message's language, one of :data:`SUPPORTED`."""
    hinted = (hint or "").split("-")[0].lower()
    hinted = hinted if hinted in SUPPORTED else ""
    if sum(ch.isalpha() for ch in text) < MIN_LETTERS and hinted:
        return hinted
    values = _detector().compute_language_confidence_values(text)
    if not values:
        return hinted or DEFAULT
    best = values[0]
    code = best.language.iso_code_639_1.name.lower()
    if best.value >= CONFIDENT or not hinted:
        return code if code in SUPPORTED else DEFAULT
    return hinted
