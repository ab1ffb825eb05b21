"""render.py: escaping, layout and splitting, on hand-made Replies (no Telegram calls)."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.reply import Button, Reply, SourceRef
from bot.render import (
    MAX_MESSAGE_CHARS,
    inline_html,
    render,
    split_text,
    telegram_length,
    to_html,
)
from tests.telegram.conftest import assert_telegram_html

SOURCE = SourceRef("s1", "Smith & Jones, Neurology, 2002", "Smith J, Jones K. A <trial>.",
                   "https://example.org/a?b=1&c=<2>\"")
MENU = Button("☰ Menu", "m:main")


def make(text: str, **fields: object) -> Reply:
    """A reply as compose builds one: the sources' heading comes with the sources."""
    sources = fields.get("sources", ())
    if sources and "sources_title" not in fields:
        fields["sources_title"] = "Source:" if len(sources) == 1 else "Sources:"  # type: ignore[arg-type]
    return Reply("answer", text, **fields)  # type: ignore[arg-type]


def test_layout_title_text_footer_source_disclaimer() -> None:
    reply = make("First <para> & more.\n\nSecond para.", title="Is it *safe*?",
                 footer="Tip 3 of 7", sources=(SOURCE,), disclaimer="Not advice.",
                 buttons=((MENU,),))
    [chunk] = render(reply).chunks
    assert chunk.split("\n\n") == [
        "<b>Is it *safe*?</b>",
        "First &lt;para&gt; &amp; more.",
        "Second para.",
        "<i>Tip 3 of 7</i>",
        '📚 Source: <a href="https://example.org/a?b=1&amp;c=&lt;2&gt;&quot;">'
        "Smith &amp; Jones, Neurology, 2002</a>",
        "<i>Not advice.</i>",
    ]
    assert_telegram_html(chunk)


def test_several_sources_are_a_list_and_the_sources_page_shows_citations() -> None:
    other = SourceRef("s2", "AASM, 2012", "Aurora RN, et al.", "https://doi.org/x")
    answer = to_html(make("Text.", sources=(SOURCE, other)))
    assert "📚 Sources:\n• <a" in answer
    assert "Aurora RN" not in answer
    page = to_html(Reply("info", "Every answer comes from:", sources=(SOURCE, other),
                         sources_title="Sources:"))
    assert "— Aurora RN, et al." in page
    assert "— Smith J, Jones K. A &lt;trial&gt;." in page


def test_keyboard_rows_and_callback_data() -> None:
    reply = make("Hi", buttons=((Button("A", "m:a"), Button("B", "m:b")), (MENU,)))
    keyboard = render(reply).keyboard
    assert keyboard is not None
    assert [[(b.text, b.callback_data) for b in row] for row in keyboard.inline_keyboard] == [
        [("A", "m:a"), ("B", "m:b")], [("☰ Menu", "m:main")]]
    assert render(make("Hi")).keyboard is None


def test_long_reply_splits_at_paragraphs_keyboard_on_last() -> None:
    paragraphs = [f"Paragraph {n}: " + "word " * 150 for n in range(20)]
    reply = make("\n\n".join(paragraphs), title="Long", sources=(SOURCE,),
                 disclaimer="Not advice.", buttons=((MENU,),))
    rendered = render(reply)
    assert len(rendered.chunks) > 3
    for chunk in rendered.chunks:
        assert telegram_length(chunk) <= MAX_MESSAGE_CHARS
        assert_telegram_html(chunk)
        assert not chunk.startswith("\n") and not chunk.endswith("\n")
    # every paragraph whole, in order, in exactly one chunk
    joined = "\n\n".join(rendered.chunks)
    assert joined == to_html(reply)
    messages = rendered.messages()
    assert [m for _, m in messages[:-1]] == [None] * (len(messages) - 1)
    assert messages[-1][1] is rendered.keyboard
    assert rendered.chunks[-1].endswith("<i>Not advice.</i>")


def test_one_huge_paragraph_is_cut_at_spaces() -> None:
    words = [f"w{n}" for n in range(3000)]
    reply = make(" ".join(words))
    chunks = render(reply).chunks
    assert len(chunks) >= 3
    assert all(telegram_length(c) <= MAX_MESSAGE_CHARS for c in chunks)
    assert " ".join(chunks).split() == words  # no word was cut


def test_hard_cut_never_splits_an_entity_and_counts_escaping() -> None:
    chunks = render(make("&" * 5000)).chunks  # each & becomes 5 characters
    assert all(telegram_length(c) <= MAX_MESSAGE_CHARS for c in chunks)
    assert "".join(chunks) == "&amp;" * 5000
    for chunk in chunks:
        assert_telegram_html(chunk)


def test_length_counts_utf16_like_telegram() -> None:
    chunks = render(make("😴" * 3000)).chunks  # 6000 UTF-16 units
    assert len(chunks) == 2
    assert all(telegram_length(c) <= MAX_MESSAGE_CHARS for c in chunks)


def test_split_text_small_budget() -> None:
    assert split_text("abc def", 3) == ["abc", "def"]
    assert split_text("a<b", 4) == ["a", "<", "b"]  # "&lt;" alone fills the budget


def test_inline_html_keeps_source_and_disclaimer_when_shortened() -> None:
    reply = make("long words " * 2000, title="T", sources=(SOURCE,), disclaimer="Not advice.")
    text = inline_html(reply)
    assert telegram_length(text) <= MAX_MESSAGE_CHARS
    assert "📚 Source:" in text
    assert text.endswith("<i>Not advice.</i>")
    assert "…" in text


@settings(max_examples=200, deadline=None)
@given(text=st.text(min_size=1, max_size=9000), title=st.text(max_size=60),
       limit=st.integers(min_value=30, max_value=MAX_MESSAGE_CHARS))
def test_any_text_renders_to_valid_chunks_within_limit(text: str, title: str,
                                                       limit: int) -> None:
    reply = make(text, title=title, sources=(SOURCE,), disclaimer="Not advice.")
    chunks = render(reply, limit=limit).chunks
    visible = ""
    for chunk in chunks:
        assert telegram_length(chunk) <= limit
        visible += assert_telegram_html(chunk)
    # nothing lost but whitespace, and in reading order
    squeezed = re.sub(r"\s+", "", visible)
    position = 0
    for part in (title, text, "Not advice."):
        squeezed_part = re.sub(r"\s+", "", part)
        position = squeezed.index(squeezed_part, position) + len(squeezed_part)
