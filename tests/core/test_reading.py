"""Reading a message before matching: its language (issue 8) and its asking sentence."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.engine import Engine
from bot.core.kb import KnowledgeBaseError
from bot.core.languages import load_languages
from bot.core.normalize import focus, split_sentences


@pytest.mark.parametrize(("question", "language", "intent"), [
    ("¿La gabapentina me ayuda con las piernas inquietas?", "es", "gabapentin_efficacy"),
    ("Welche Nebenwirkungen hat Gabapentin?", "de", "gabapentin_side_effects"),
    ("Qu'est-ce que le syndrome des jambes sans repos ?", "fr", "rls_overview"),
    ("O ferro baixo piora as pernas inquietas?", "pt", "iron_and_rls"),
    ("Il caffè peggiora le gambe senza riposo?", "it", "selfcare_triggers"),
])
def test_questions_in_five_more_languages_get_the_english_answer_with_a_note(
        engine: Engine, question: str, language: str, intent: str) -> None:
    result = engine.ask(question)
    assert result.language == language
    assert result.decision.intent_id == intent, result.decision
    note = engine.reader.languages.note(language)
    assert note and result.reply.text.startswith(note + "\n\n")


def test_a_foreign_stopword_never_becomes_an_english_synonym(engine: Engine) -> None:
    # German "das" is the English synonym "DA" (dopamine agonist) when read as English.
    question = "Was ist das Restless-Legs-Syndrom genau?"
    reading = engine.reader.read(question, engine.language_of(question))
    assert reading.language == "de"
    assert "dopamine" not in reading.whole.canonical
    assert engine.ask("Was ist das Restless-Legs-Syndrom genau?").decision.intent_id == (
        "rls_overview")


@pytest.mark.parametrize("question", [
    "How do I come off gabapentin safely?",   # "i", "come" are Italian words too
    "sorces?", "thank uu", "Hello there",     # lingua guesses these as foreign
])
def test_english_stays_english_when_lingua_guesses_otherwise(engine: Engine,
                                                             question: str) -> None:
    """One identification (bot/core/language.py) for the danger detector and the reader."""
    assert engine.language_of(question) == "en"
    assert engine.ask(question).language == "en"


def test_the_telegram_language_code_decides_a_message_too_short_to_tell(
        engine: Engine) -> None:
    result = engine.ask("gracias", language_hint="es-419")
    assert result.language == "es" and result.decision.intent_id == "thanks"


@pytest.mark.parametrize(("message", "code", "intent"), [
    ("Servus miteinander!", "de", "greeting"),
    ("grazie mille, a domani", "it", None),
    ("ugh, took tonight's dose twice, nothing yet", "en", None),
])
def test_short_messages_are_told_apart_by_their_everyday_words(
        engine: Engine, message: str, code: str, intent: str | None) -> None:
    """Greetings, farewells and times of day say the language where lingua cannot, with no
    Telegram hint (language_id.yml)."""
    assert engine.language_of(message) == code
    if intent:
        assert engine.ask(message).decision.intent_id == intent


def test_english_replies_carry_no_language_note(engine: Engine) -> None:
    result = engine.ask("does neurontin help restless legs")
    assert result.language == "en"
    assert not any(result.reply.text.startswith(lang.note)
                   for lang in engine.reader.languages.by_code.values())


def test_a_language_file_with_an_unknown_intent_or_language_is_refused(
        tmp_path: Path) -> None:
    folder = tmp_path / "languages"
    folder.mkdir()
    (folder / "es.yml").write_text(
        'version: 1\nnote: "nota"\nexamples:\n  no_such_intent: ["hola"]\n', encoding="utf-8")
    (folder / "xx.yml").write_text("version: 1\n", encoding="utf-8")
    with pytest.raises(KnowledgeBaseError) as caught:
        load_languages(tmp_path, frozenset({"greeting"}))
    text = str(caught.value)
    assert "unknown intent id 'no_such_intent'" in text
    assert "unknown language 'xx'" in text


def test_the_real_language_files_load(engine: Engine) -> None:
    assert set(engine.reader.languages.by_code) == {"es", "de", "fr", "pt", "it"}


# ------------------------------------------------------------------- long messages

STORY = ("I'm 67 and I have type 2 diabetes, I take metformin and a statin. I also have "
         "numb feet from the diabetes and my sleep is poor. Is the evidence for gabapentin "
         "in restless legs strong?")


def test_sentences_keep_their_question_marks() -> None:
    assert split_sentences("I am 60. Does it work?Thanks") == [
        "I am 60.", "Does it work?", "Thanks"]


def test_the_asking_sentence_of_a_long_message_is_found() -> None:
    found = focus(STORY)
    assert found is not None
    assert found.asking.startswith("Is the evidence")
    assert "metformin" in found.context


def test_a_question_after_a_comma_is_the_asking_part_of_one_long_sentence() -> None:
    text = ("my husband kicks all night and the doctor wants him on gabapentin for it, "
            "will it make him dopey in the morning?")
    found = focus(text)
    assert found is not None
    assert found.asking.startswith("will it make him dopey")
    assert "husband kicks" in found.context


def test_a_trailing_please_is_not_cut_off_as_a_question() -> None:
    text = ("I have had restless legs for years and my doctor started me on gabapentin last "
            "month, what should I know about it, please")
    found = focus(text)
    assert found is not None
    assert found.asking == "what should I know about it, please"


def test_a_story_then_a_question_after_a_comma_gets_the_question_answered(
        engine: Engine) -> None:
    text = ("my husband kicks all night and the doctor wants him on gabapentin, will it "
            "make him dopey in the morning?")
    assert engine.ask(text).decision.intent_id == "gabapentin_side_effects"


@pytest.mark.parametrize("text", [
    "does gabapentin help restless legs?",              # short: read whole
    "I am 60. I take gabapentin. It helps. My legs are better now thanks a lot to all",
])
def test_short_or_non_asking_messages_are_read_whole(text: str) -> None:
    assert focus(text) is None


def test_a_thin_question_is_read_with_the_sentence_it_points_back_to(
        engine: Engine) -> None:
    text = ("My grandfather had diabetes and took metformin for years. I have had restless "
            "legs since my forties and tried ropinirole, but it made me sick. A friend told "
            "me that iron tablets calm the legs at night. Is that so?")
    found = focus(text)
    assert found is not None and "iron tablets" in found.before
    reading = engine.reader.read(text, "en")
    assert reading.asking is not None and "iron" in reading.asking.tokens
    assert reading.context is not None and "iron" not in reading.context.tokens
    assert engine.kb.topic_of(engine.ask(text).decision.intent_id or "") == "iron_and_rls"


def test_the_backstory_does_not_outvote_the_question(engine: Engine) -> None:
    reading = engine.reader.read(STORY, "en")
    assert reading.asking is not None and reading.context is not None
    assert engine.ask(STORY).decision.intent_id == "evidence_quality"


@pytest.mark.parametrize(("text", "intent"), [
    ("hi, my mother takes gabapentin and is very dizzy", "gabapentin_side_effects"),
    ("hola, mi madre toma gabapentina y está muy mareada", "gabapentin_side_effects"),
    ("hello, does gabapentin help rls", "gabapentin_efficacy"),
    ("thanks for the info on gabapentin", "thanks"),  # short: still a thank-you
    ("hi", "greeting"),
])
def test_a_greeting_in_front_of_a_question_does_not_answer_it(engine: Engine, text: str,
                                                              intent: str) -> None:
    assert engine.ask(text).decision.intent_id == intent


@pytest.mark.parametrize(("text", "topic"), [
    # an elided article hides the word the French and Italian tables know
    ("Peut-on prendre de la gabapentine pendant l'allaitement ?", "gabapentin_side_effects"),
    # ...while the phrase table keeps the joined forms it was written with
    ("C'est quoi exactement le syndrome des jambes sans repos ?", "rls_overview"),
    # "on my own" is not self-care when the question is about stopping
    ("can i stop gabapentin on my own", "gabapentin_stopping"),
])
def test_words_behind_elisions_and_on_my_own(engine: Engine, text: str, topic: str) -> None:
    decision = engine.ask(text).decision
    assert engine.kb.topic_of(decision.intent_id or "") == topic, decision.why


@pytest.mark.parametrize(("text", "topic"), [
    # a short story, then a question that names its own subject: the question decides
    ("my partner thrashes about all night and blames rls. what even is rls?", "rls_overview"),
    # ...but one that points back at the story is read with it
    ("my mum started gabapentin and her ankles have swollen up. is that normal?",
     "gabapentin_side_effects"),
])
def test_a_short_question_that_stands_alone_is_read_apart(engine: Engine, text: str,
                                                          topic: str) -> None:
    decision = engine.ask(text).decision
    assert engine.kb.topic_of(decision.intent_id or "") == topic, decision.why


def test_how_it_works_is_the_mechanism_and_whether_it_works_is_efficacy(
        engine: Engine) -> None:
    how = engine.ask("my wife is a chemist and wants to know how gabapentin works on the legs")
    whether = engine.ask("does gabapentin work for restless legs")
    assert how.decision.intent_id == "gabapentin_mechanism", how.decision.why
    assert whether.decision.intent_id == "gabapentin_efficacy", whether.decision.why


def test_foreign_slips_are_corrected_towards_the_languages_own_words(engine: Engine) -> None:
    language = engine.reader.languages.get("pt")
    assert language is not None
    # "inquetas" is one slip from "inquietas"; "cuento" is never turned into "cuanto"
    assert "restless" in language.to_english("as minhas pernas inquetas")
    spanish = engine.reader.languages.get("es")
    assert spanish is not None and "cuento" in spanish.to_english("es puro cuento")


def test_a_word_keeps_its_own_english_when_it_shares_a_stem(engine: Engine) -> None:
    # Italian "aumentazione" (augmentation) and "aumentare" (increase) share a stem.
    italian = engine.reader.languages.get("it")
    assert italian is not None
    assert italian.to_english("aumentazione").split() == ["augmentation"]
    # A known name behind an elided article is kept as that name.
    assert "horizant" in italian.to_english("cos'è l'horizant?", frozenset({"horizant"}))


@pytest.mark.parametrize(("text", "intent"), [
    ("hello, what can you do?", "help"),        # the greeting opens the question
    ("hey bot, how are you doing?", "greeting"),  # ...but small talk stays a greeting
    ("good morning", "greeting"),
])
def test_a_greeting_gives_way_to_the_question_it_opens(engine: Engine, text: str,
                                                       intent: str) -> None:
    assert engine.ask(text).decision.intent_id == intent


def test_a_short_message_keeps_the_clause_that_qualifies_its_question(engine: Engine) -> None:
    # "pregnant," belongs to the question: the pregnancy rule still decides.
    decision = engine.ask("pregnant, can i take gabapentin or pramipexole for rls").decision
    assert decision.why.rule == "pregnancy_medicine"


@pytest.mark.parametrize("text", ["can you overdose on gabapentin?", "can you OD on it",
                                  "what happens if you take too much gabapentin"])
def test_asking_about_an_overdose_gets_the_side_effects_answer(engine: Engine,
                                                                text: str) -> None:
    result = engine.ask(text)
    assert result.tier is None
    assert result.decision.intent_id == "gabapentin_side_effects", result.decision.why


@pytest.mark.parametrize(("message", "lang"), [
    # words of the languages' reading data, not only the short hand-made list
    ("Woher hast du eigentlich deine Infos?", "de"),
    ("Bringen Kompressionsstrümpfe überhaupt was?", "de"),
    ("tchau, até logo", "pt"),
    ("a gabapetina vicia?", "pt"),
    # English stays English
    ("hello, is anybody there?", "en"),
    ("does it help with restless legs", "en"),
])
def test_language_is_told_by_each_languages_own_words(engine: Engine, message: str,
                                                      lang: str) -> None:
    assert engine.language_of(message) == lang
