"""The normaliser: one cleaning for examples and questions alike (tables, then properties)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.kb import KnowledgeBase
from bot.core.normalize import MAX_INPUT_CHARS, Normalizer, to_plain


@pytest.mark.parametrize(("raw", "plain"), [
    # case
    ("Does GABAPENTIN Help?", "does gabapentin help"),
    ("RLS", "rls"),
    # accents
    ("Gabapentine", "gabapentine"),
    ("café", "cafe"),
    ("Willis-Ékbom", "willis ekbom"),
    ("naïve", "naive"),
    # apostrophes, straight and curly, vanish inside words
    ("can’t sleep", "cant sleep"),
    ("can't sleep", "cant sleep"),
    ("I‘m tired", "im tired"),
    ("don`t", "dont"),
    # emoji
    ("legs 🦵 hurt 😭", "legs hurt"),
    ("🙂", ""),
    # digits split from letters
    ("600mg", "600 mg"),
    ("600MG at night", "600 mg at night"),
    ("b12", "b 12"),
    # punctuation becomes a single space
    ("rls!!! help???", "rls help"),
    ("willis-ekbom", "willis ekbom"),
    ("Willis–Ekbom", "willis ekbom"),  # en dash
    ("gaba/pentin", "gaba pentin"),
    ("snake_case_words", "snake case words"),
    ('"neurontin" (gabapentin)', "neurontin gabapentin"),
    # whitespace
    ("  lots   of\tspace\n", "lots of space"),
    ("line one\r\nline two", "line one line two"),
    # NFKC: full-width letters and ligatures
    ("ＧＡＢＡＰＥＮＴＩＮ", "gabapentin"),
    ("ﬁne", "fine"),
    # nothing left
    ("", ""),
    ("?!...", ""),
    ("   ", ""),
    # other scripts keep their letters
    ("габапентин", "габапентин"),
])
def test_to_plain(raw: str, plain: str) -> None:
    assert to_plain(raw) == plain


def test_to_plain_cuts_very_long_input() -> None:
    assert len(to_plain("a" * (MAX_INPUT_CHARS * 5))) == MAX_INPUT_CHARS


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_to_plain_gives_single_spaced_words_and_is_idempotent(text: str) -> None:
    plain = to_plain(text)
    assert plain == plain.strip()
    assert "  " not in plain
    assert all(ch.isalnum() or ch == " " for ch in plain), plain
    assert to_plain(plain) == plain


# -------------------------------------------------------------- the real synonym table


@pytest.mark.parametrize(("question", "canonical"), [
    ("neurontin", "gabapentin"),
    ("Neurontin", "gabapentin"),
    ("Gralise", "gabapentin"),
    ("gabapenten", "gabapentin"),
    ("Gabapentine", "gabapentin"),
    ("Horizant", "enacarbil"),
    ("horizon", "enacarbil"),
    ("gabapentin enacarbil", "enacarbil"),
    ("restless leg syndrome", "rls"),
    ("Restless Legs Syndrome", "rls"),
    ("restless legs", "rls"),
    ("restless leg", "rls"),
    ("Willis-Ekbom", "rls"),
    ("willis ekbom disease", "rls"),
    ("WED", "rls"),
    ("Mirapex", "pramipexole"),
    ("Requip", "ropinirole"),
    ("Requip XL", "ropinirole"),
    ("Neupro", "rotigotine"),
    ("Lyrica", "pregabalin"),
    ("DA", "dopamine agonist"),
    ("dopamine agonists", "dopamine agonist"),
    ("legz", "legs"),
    ("side affects", "side effects"),
    ("compression socks", "compression stockings"),
])
def test_synonyms_reach_one_canonical_word(kb: KnowledgeBase, question: str,
                                           canonical: str) -> None:
    assert kb.normalizer.normalize(question).canonical == canonical


@pytest.mark.parametrize(("question", "present", "absent"), [
    ("does neurontin help my restless legs", {"gabapentin", "rls"}, {"neurontin", "restless"}),
    ("Is Horizant better than Requip?", {"enacarbil", "ropinirole"}, {"horizant", "requip"}),
    ("my restless legs syndrome is worse on mirapex", {"rls", "pramipexole"},
     {"syndrome", "mirapex"}),
    ("lyrica or neurontin for restless leg", {"pregabalin", "gabapentin", "rls"},
     {"lyrica", "neurontin", "leg"}),
])
def test_synonyms_inside_sentences(kb: KnowledgeBase, question: str, present: set[str],
                                   absent: set[str]) -> None:
    tokens = set(kb.normalizer.normalize(question).tokens)
    assert present <= tokens
    assert not absent & tokens


def test_replacements_are_reported_in_order(kb: KnowledgeBase) -> None:
    result = kb.normalizer.normalize("Does Neurontin help my Restless Legs?")
    assert result.plain == "does neurontin help my restless legs"
    assert result.canonical == "does gabapentin help my rls"
    assert result.replacements == (("neurontin", "gabapentin"), ("restless legs", "rls"))


def test_no_replacement_no_report(kb: KnowledgeBase) -> None:
    result = kb.normalizer.normalize("does gabapentin help rls")
    assert result.canonical == result.plain == "does gabapentin help rls"
    assert result.replacements == ()


# -------------------------------------------------------------- Normalizer on its own table


@pytest.fixture(scope="module")
def small() -> Normalizer:
    return Normalizer({
        "restless legs": "rls",
        "restless legs syndrome": "rls",
        "Willis-Ekbom": "rls",
        "da": "dopamine agonist",
        "wed": "rls",
        "rls": "rls",  # a variant equal to its canonical word is ignored
    })


@pytest.mark.parametrize(("question", "canonical"), [
    # the longest phrase wins
    ("restless legs syndrome at night", "rls at night"),
    ("restless legs at night", "rls at night"),
    # variants are normalised too, so punctuation in the table does not matter
    ("willis ekbom", "rls"),
    ("WILLIS–EKBOM?", "rls"),
    # whole words only
    ("what day is it", "what day is it"),
    ("my son adam", "my son adam"),
    ("a wedding", "a wedding"),
    ("da", "dopamine agonist"),
])
def test_normalizer_phrase_rules(small: Normalizer, question: str, canonical: str) -> None:
    assert small.normalize(question).canonical == canonical


def test_normalizer_reports_every_replacement(small: Normalizer) -> None:
    result = small.normalize("DA for restless legs or WED")
    assert result.canonical == "dopamine agonist for rls or rls"
    assert result.replacements == (("da", "dopamine agonist"), ("restless legs", "rls"),
                                   ("wed", "rls"))
    assert result.tokens == ("dopamine", "agonist", "for", "rls", "or", "rls")


def test_empty_table_leaves_plain_text() -> None:
    result = Normalizer({}).normalize("Neurontin, please!")
    assert result.plain == result.canonical == "neurontin please"
    assert result.replacements == ()


def test_examples_and_questions_share_one_normalisation(kb: KnowledgeBase) -> None:
    # The point of the module: an example typed with a brand name and a question typed
    # with the generic name meet at the same canonical text.
    a = kb.normalizer.normalize("Neurontin for Restless Legs?")
    b = kb.normalizer.normalize("gabapentin for restless leg syndrome")
    assert a.canonical == b.canonical == "gabapentin for rls"


@pytest.mark.parametrize(("text", "expected"), [
    ("my 12 year old daughter", "my child 12 year old daughter"),
    ("a 70 year old", "a elderly"),
    ("aged 82", "elderly"),
    ("she is 82 years", "she is elderly"),
    ("on it for 3 years", "on it for 3 years"),
    ("30 years ago", "30 years ago"),
    ("im 45 years old", "im adult"),
])
def test_an_age_is_read_as_its_age_group(text: str, expected: str) -> None:
    assert Normalizer({}).normalize(text).canonical == expected
