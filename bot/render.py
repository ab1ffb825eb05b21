"""Reply -> Telegram HTML and an inline keyboard: how a reply *looks*, and nothing else.

Everything that reaches Telegram as HTML passes through here, so this is the one place that
must get escaping right: knowledge text and user text alike are ``html.escape``-d, URLs
too, and only our own tags (``<b>``, ``<i>``, ``<a>``) are ever added.

Telegram refuses a message longer than 4096 characters, so a reply is split at paragraph
breaks into chunks that fit; a single paragraph that is too long on its own is cut at a
line break or space (never inside a tag or an ``&amp;``-style entity). Lengths are counted
in UTF-16 code units, as Telegram counts them, and on the HTML itself, which is at least as
long as the text Telegram measures: a chunk that fits here always fits there.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import MessageLimit

from bot.core.reply import Reply, SourceRef

MAX_MESSAGE_CHARS: int = MessageLimit.MAX_TEXT_LENGTH  # 4096
PARAGRAPH_BREAK = "\n\n"
_PARAGRAPHS = re.compile(r"\n\s*\n")
_SPACES = re.compile(r"\s+")
SOURCE_ICON = "📚"


@dataclass(frozen=True)
class Rendered:
    """A reply ready to send: one or more HTML chunks, the keyboard belongs on the last."""

    chunks: tuple[str, ...]
    keyboard: InlineKeyboardMarkup | None

    def messages(self) -> list[tuple[str, InlineKeyboardMarkup | None]]:
        """(text, keyboard) per message to send, the keyboard only on the last one."""
        last = len(self.chunks) - 1
        return [(chunk, self.keyboard if n == last else None)
                for n, chunk in enumerate(self.chunks)]


def telegram_length(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units): an emoji counts twice."""
    return len(text.encode("utf-16-le")) // 2


def escape(text: str) -> str:
    """Escape text for Telegram HTML; quotes need no escaping outside attributes."""
    return html.escape(text, quote=False)


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    rows = [[InlineKeyboardButton(b.label, callback_data=b.data) for b in row]
            for row in reply.buttons if row]
    return InlineKeyboardMarkup(rows) if rows else None


def render(reply: Reply, *, limit: int = MAX_MESSAGE_CHARS) -> Rendered:
    """The reply as HTML chunks of at most ``limit`` characters each, plus its keyboard."""
    chunks = pack(_paragraphs(reply, limit), PARAGRAPH_BREAK, limit)
    return Rendered(tuple(chunks) or (escape("…"),), keyboard(reply))


def to_html(reply: Reply) -> str:
    """The whole reply as one HTML string, unsplit (for logs and tests)."""
    return PARAGRAPH_BREAK.join(_paragraphs(reply, 10**9))


def inline_html(reply: Reply, *, limit: int = MAX_MESSAGE_CHARS) -> str:
    """One message for an inline result: the text is shortened, never the sources or
    the disclaimer, when the whole reply would not fit in a single message."""
    chunks = render(reply, limit=limit).chunks
    if len(chunks) == 1:
        return chunks[0]

    def fits(length: int) -> bool:
        return len(render(replace(reply, text=shorten(reply.text, length)),
                          limit=limit).chunks) == 1

    # Binary search for the longest text that still fits: a few renders, whatever the size.
    low, high = 0, len(reply.text)
    while low < high:
        middle = (low + high + 1) // 2
        if fits(middle):
            low = middle
        else:
            high = middle - 1
    return render(replace(reply, text=shorten(reply.text, low)), limit=limit).chunks[0]


def shorten(text: str, max_chars: int) -> str:
    """Plain text on one line, cut at a word boundary with an ellipsis if too long."""
    flat = _SPACES.sub(" ", text).strip()
    if len(flat) <= max_chars:
        return flat
    cut = flat[: max(0, max_chars - 1)]
    if " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:.") + "…"


def pack(units: Iterable[str], separator: str, limit: int) -> list[str]:
    """Join units (each already within ``limit``) greedily into as few chunks as fit."""
    chunks: list[str] = []
    current = ""
    for unit in units:
        if not current:
            current = unit
        elif telegram_length(current) + telegram_length(separator + unit) <= limit:
            current += separator + unit
        else:
            chunks.append(current)
            current = unit
    if current:
        chunks.append(current)
    return chunks


def wrap(raw: str, opening: str, closing: str, limit: int) -> list[str]:
    """``raw`` escaped inside a tag pair, cut into as many tagged pieces as ``limit`` needs."""
    budget = limit - telegram_length(opening + closing)
    return [f"{opening}{escape(piece)}{closing}" for piece in split_text(raw, budget)]


def split_text(raw: str, budget: int) -> list[str]:
    """Cut plain text so that each piece, once escaped, is at most ``budget`` long.

    Cuts fall at the last line break or space before the limit when there is one in the
    second half of the piece, so words stay whole; otherwise the cut is hard.
    """
    if budget < 1:
        raise ValueError("budget must be positive")
    pieces: list[str] = []
    rest = raw.strip()
    while rest:
        cut = _cut_point(rest, budget)
        if cut < len(rest):
            soft = max(rest.rfind("\n", 0, cut), rest.rfind(" ", 0, cut))
            if soft > cut // 2:
                cut = soft
        piece, rest = rest[:cut].rstrip(), rest[cut:].lstrip()
        if piece:
            pieces.append(piece)
    return pieces


def _cut_point(raw: str, budget: int) -> int:
    """Longest prefix of ``raw`` whose escaped form fits in ``budget`` (at least 1 char)."""
    used = 0
    for n, char in enumerate(raw):
        used += telegram_length(escape(char))
        if used > budget:
            return max(n, 1)
    return len(raw)


def _paragraphs(reply: Reply, limit: int) -> list[str]:
    """The reply's parts in reading order, each within ``limit``: title, text, footer,
    sources, review date, disclaimer (last, so it is the final thing read before the
    buttons)."""
    parts: list[str] = []
    if reply.title:
        parts += wrap(reply.title, "<b>", "</b>", limit)
    for paragraph in _PARAGRAPHS.split(reply.text):
        if paragraph.strip():
            parts += wrap(paragraph, "", "", limit)
    if reply.footer:
        parts += wrap(reply.footer, "<i>", "</i>", limit)
    parts += pack(_source_lines(reply.sources, reply.sources_title, limit,
                                with_citation=reply.kind == "info"), "\n", limit)
    if reply.reviewed:
        parts += wrap(reply.reviewed, "<i>", "</i>", limit)
    if reply.disclaimer:
        parts += wrap(reply.disclaimer, "<i>", "</i>", limit)
    return parts


def source_link(source: SourceRef) -> str:
    url = html.escape(source.url, quote=True)
    return f'<a href="{url}">{escape(source.label)}</a>'


def _source_lines(sources: tuple[SourceRef, ...], title: str, limit: int, *,
                  with_citation: bool) -> list[str]:
    """"📚 Source: <a>short, year</a>" for one source; a bulleted list for several. The
    sources list itself (/sources) also shows each full citation."""
    if not sources:
        return []
    candidates: list[tuple[str, str]] = []  # (HTML line, plain fallback)
    if len(sources) == 1 and not with_citation:
        only = sources[0]
        candidates.append((f"{SOURCE_ICON} {escape(title)} {source_link(only)}",
                           f"{SOURCE_ICON} {title} {only.label} {only.url}"))
    else:
        candidates.append((f"{SOURCE_ICON} {escape(title)}", f"{SOURCE_ICON} {title}"))
        for source in sources:
            line, plain = f"• {source_link(source)}", f"• {source.label} {source.url}"
            if with_citation and source.citation:
                line += f" — {escape(source.citation)}"
                plain += f" — {source.citation}"
            candidates.append((line, plain))
    lines: list[str] = []
    for line, plain in candidates:
        if telegram_length(line) <= limit:
            lines.append(line)
        else:  # an absurdly long URL or citation: plain text, cut, never a broken tag
            lines += wrap(plain, "", "", limit)
    return lines
