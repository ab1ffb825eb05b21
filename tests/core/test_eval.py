"""The question sets through the evaluator, with floors; and the evaluator's own arithmetic
on hand-made outcomes, so a wrong metric cannot hide a wrong matcher.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.engine import Engine
from bot.core.evaluate import Item, Outcome, Report, evaluate, load_items
from bot.core.kb import DOSE_PATTERN
from tests.conftest import DATA_DIR

DEV = DATA_DIR / "dev_questions.yaml"
OWN = DATA_DIR / "own_questions.yaml"
BLIND = DATA_DIR / "blind_questions.yaml"
BLIND3 = DATA_DIR / "blind3_questions.yaml"
SETS = [DEV, OWN, BLIND, BLIND3]
SET_IDS = ["dev", "own", "blind", "blind3"]

# (file, overall, out-of-scope rejection) floors; urgent recall must always be 1.0.
# Measured on 2026-11-24: dev 0.973 / 0.950, own 0.966 / 0.967, blind 0.920 / 0.920,
# blind3 0.936 / 0.920. The blind sets were written without seeing the knowledge base;
# they guard generalisation, so a change that only fits the dev set shows here.
FLOORS = {DEV: (0.95, 0.95), OWN: (0.95, 0.95), BLIND: (0.90, 0.88), BLIND3: (0.90, 0.88)}


@pytest.fixture(scope="module", params=SETS, ids=SET_IDS)
def scored(request: pytest.FixtureRequest, engine: Engine) -> tuple[Path, Report]:
    path: Path = request.param
    return path, evaluate(engine, load_items(path))


def errors_listing(report: Report) -> str:
    return "\n".join(f"  {o.item.expect} -> {o.predicted} ({o.decision} {o.score}): "
                     f"{o.item.question}" for o in report.errors)


def test_question_set_overall_floor(scored: tuple[Path, Report]) -> None:
    path, report = scored
    floor, _ = FLOORS[path]
    assert report.overall >= floor, (
        f"{path.name}: overall {report.overall:.3f} < {floor}\n{errors_listing(report)}")


def test_question_set_rejects_out_of_scope(scored: tuple[Path, Report]) -> None:
    path, report = scored
    _, floor = FLOORS[path]
    rejection = report.summary()["out_of_scope_rejection"]
    assert report.out_of_scope, "the set should have out-of-scope questions"
    assert rejection >= floor, f"{path.name}: out-of-scope rejection {rejection} < {floor}"


def test_question_set_urgent_recall_is_total(scored: tuple[Path, Report]) -> None:
    path, report = scored
    missed = [o.item.question for o in report.urgent if not o.correct]
    assert report.urgent, "the set should have urgent questions"
    assert not missed, f"{path.name}: urgent messages not answered urgently: {missed}"


@pytest.mark.parametrize("path", SETS, ids=SET_IDS)
def test_no_reply_to_any_set_question_carries_a_dose(engine: Engine, path: Path) -> None:
    offending = []
    for item in load_items(path):
        reply = engine.ask(item.question).reply
        spoken = " ".join([reply.title, reply.text, reply.details, reply.disclaimer,
                           *(b.label for b in reply.all_buttons)])
        if match := DOSE_PATTERN.search(spoken):
            offending.append((item.question, match.group(0)))
    assert not offending


@pytest.mark.parametrize("path", SETS, ids=SET_IDS)
def test_every_expected_id_is_an_intent(engine: Engine, path: Path) -> None:
    expected = {e for item in load_items(path) for e in item.expect if e}
    assert expected <= set(engine.kb.intents), expected - set(engine.kb.intents)


# ------------------------------------------------------------------------------ metrics


def outcome(expect: list[str | None], predicted: str | None,
            decision: str = "answer") -> Outcome:
    return Outcome(Item("q", tuple(expect)), predicted, decision, 50.0)


def test_metrics_on_a_hand_made_report() -> None:
    report = Report(urgent_intent="urgent_help", outcomes=[
        outcome(["gabapentin_efficacy"], "gabapentin_efficacy"),                 # right
        outcome(["gabapentin_long_term", "gabapentin_side_effects"],
                "gabapentin_side_effects"),                                      # right (alt)
        outcome(["gabapentin_dosage"], "gabapentin_side_effects"),              # wrong
        outcome(["gabapentin_dosage"], None, "suggest"),                        # wrong
        outcome(["urgent_help"], "urgent_help"),                                # right
        outcome(["urgent_help"], None, "fallback"),                             # wrong
        outcome([None], None, "fallback"),                                      # right
        outcome([None], "rls_overview"),                                        # wrong
    ])
    assert report.overall == 4 / 8
    assert len(report.in_scope) == 6 and len(report.out_of_scope) == 2
    assert len(report.urgent) == 2
    summary = report.summary()
    assert summary["questions"] == 8
    assert summary["overall"] == 0.5
    assert summary["in_scope_accuracy"] == round(3 / 6, 4)
    assert summary["out_of_scope_rejection"] == 0.5
    assert summary["urgent_recall"] == 0.5
    assert summary["errors_per_intent"] == {"gabapentin_dosage": 2, "urgent_help": 1,
                                            "None": 1}
    assert {"expected": "gabapentin_dosage", "predicted": "gabapentin_side_effects",
            "count": 1} in summary["confusions"]
    assert {"expected": "None", "predicted": "rls_overview", "count": 1} in (
        summary["confusions"])


def test_metrics_of_an_empty_report_are_not_a_division_by_zero() -> None:
    summary = Report().summary()
    assert summary["questions"] == 0
    assert summary["overall"] == summary["urgent_recall"] == 1.0


def test_confusions_count_repeats() -> None:
    report = Report([outcome(["rls_sleep"], "selfcare_sleep_schedule")] * 3)
    assert report.confusions().most_common(1) == [(("rls_sleep", "selfcare_sleep_schedule"), 3)]


def test_evaluate_counts_only_direct_answers(fixture_engine: Engine) -> None:
    items = [
        Item("does neurontin help restless legs", ("gabapentin_efficacy",)),  # answer: right
        Item("gabapentin", ("gabapentin_efficacy",)),  # did-you-mean: counts as None
        Item("capital of france", (None,)),  # fallback: right
        Item("i took too many pills", ("urgent_help",)),  # safety rule: right
        Item("hello", ("gabapentin_efficacy",)),  # greeting: wrong
    ]
    report = evaluate(fixture_engine, items)
    assert [o.decision for o in report.outcomes] == [
        "answer", "suggest", "fallback", "answer", "answer"]
    assert [o.predicted for o in report.outcomes] == [
        "gabapentin_efficacy", None, None, "urgent_help", "greeting"]
    assert [o.correct for o in report.outcomes] == [True, False, True, True, False]
    summary = report.summary()
    assert summary["overall"] == 0.6
    assert summary["in_scope_accuracy"] == 0.5
    assert summary["out_of_scope_rejection"] == 1.0
    assert summary["urgent_recall"] == 1.0


# ------------------------------------------------------------------------------ loading


def test_load_items_accepts_scalar_list_and_null(tmp_path: Path) -> None:
    path = tmp_path / "set.yaml"
    path.write_text('- q: "does it help"\n  expect: gabapentin_efficacy\n'
                    '- q: "horizant vs neurontin"\n  expect: [gabapentin_enacarbil, null]\n'
                    '- q: 42\n  expect: null\n', encoding="utf-8")
    assert load_items(path) == [
        Item("does it help", ("gabapentin_efficacy",)),
        Item("horizant vs neurontin", ("gabapentin_enacarbil", None)),
        Item("42", (None,)),
    ]


@pytest.mark.parametrize(("text", "words"), [
    ("q: not a list\n", "expected a list"),
    ("- q: no expect\n", "item 1 needs 'expect'"),
    ("- q: fine\n  expect: null\n- expect: [x]\n", "item 2 needs"),
    ("- just a string\n", "item 1 needs"),
])
def test_load_items_rejects_malformed_sets(tmp_path: Path, text: str, words: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=words):
        load_items(path)


def test_a_finer_intent_counts_when_its_topic_is_expected() -> None:
    item = Item("is it safe for my 82 year old mum, shes unsteady", ("gabapentin_side_effects",))
    assert Outcome(item, "gabapentin_older_adults", "answer", 70.0,
                   topic="gabapentin_side_effects").correct
    assert not Outcome(item, "gabapentin_older_adults", "answer", 70.0,
                       topic="rls_course").correct
    assert not Outcome(item, None, "fallback", 0.0).correct
    null = Item("what is the weather", (None,))
    assert Outcome(null, None, "fallback", 0.0).correct


def test_evaluate_scores_finer_intents_by_topic(engine: Engine) -> None:
    finer = [i for i in engine.kb.intents.values() if i.topic != i.id]
    assert finer, "the knowledge base has finer intents"
    items = [Item(i.examples[0], (i.topic,)) for i in finer]
    report = evaluate(engine, items)
    assert report.overall == 1.0, errors_listing(report)
    assert all(o.topic == o.item.expect[0] for o in report.outcomes)
def test_breakdown_per_tag_and_language_separates_wrong_answers_from_did_you_mean() -> None:
    def tagged(expect: str | None, predicted: str | None, decision: str, tag: str,
               lang: str = "en") -> Outcome:
        return Outcome(Item("q", (expect,), tag, lang), predicted, decision, 50.0)

    report = Report([
        tagged("rls_overview", "rls_overview", "answer", "plain"),
        tagged("rls_overview", "rls_symptoms", "answer", "plain"),           # wrong answer
        tagged("rls_overview", None, "suggest", "typo"),                      # did-you-mean
        tagged("rls_overview", "rls_overview", "answer", "multilingual", "de"),
        tagged(None, None, "fallback", "oos"),
    ])
    summary = report.summary()
    assert summary["did_you_mean_rate"] == 0.2
    assert summary["wrong_answer_rate"] == 0.2
    assert summary["per_tag"]["plain"] == {"n": 2, "accuracy": 0.5, "suggest": 0.0,
                                           "wrong": 0.5}
    assert summary["per_tag"]["typo"] == {"n": 1, "accuracy": 0.0, "suggest": 1.0,
                                          "wrong": 0.0}
    assert summary["per_lang"]["de"]["accuracy"] == 1.0
    assert summary["per_lang"]["en"]["n"] == 4


def test_load_items_reads_tag_and_language(tmp_path: Path) -> None:
    path = tmp_path / "set.yaml"
    path.write_text('- q: "hilft gabapentin"\n  expect: [gabapentin_efficacy]\n'
                    '  tag: multilingual\n  lang: de\n'
                    '- q: "hi"\n  expect: [greeting]\n', encoding="utf-8")
    assert load_items(path) == [
        Item("hilft gabapentin", ("gabapentin_efficacy",), "multilingual", "de"),
        Item("hi", ("greeting",), "", "en"),
    ]


# ------------------------------------------------------------------------------ blind rounds

# Issue 8's blind rounds (tests/data/ROUNDS.md): (overall, multilingual, long[, out of
# scope]) floors, set a little under the figures after each round's fixes so that a fall
# shows here.
ROUNDS: dict[Path, tuple[float, ...]] = {DATA_DIR / "blind_round1.yaml": (0.93, 0.90, 0.80),
          DATA_DIR / "blind_round2.yaml": (0.89, 0.90, 0.65),
          DATA_DIR / "blind_round3.yaml": (0.88, 0.85, 0.70),
          DATA_DIR / "blind_round4.yaml": (0.94, 0.90, 0.80),  # first run 0.875, .771, .733
          DATA_DIR / "blind_round5.yaml": (0.86, 0.80, 0.60, 0.80),  # first run .780 .657 .533
          # Held out until its first run (0.703 / 0.684 / 0.80); after the vocabulary work
          # (a helper who never saw it) 0.907, now a development set.
          DATA_DIR / "held_multilingual.yaml": (0.89, 0.88, 0.90, 1.0),
          DATA_DIR / "blind_round6.yaml": (0.90, 0.90, 0.80, 1.0),  # first run .876 .920 .775
          DATA_DIR / "blind_round7.yaml": (0.89, 0.86, 0.80, 1.0),  # first run .876 .860 .825
          DATA_DIR / "blind_round8.yaml": (0.87, 0.85, 0.72),  # first run .858 .867 .700
          DATA_DIR / "blind_round9.yaml": (0.88, 0.86, 0.80),  # first run .880 .880 .725
          DATA_DIR / "blind_round10.yaml": (0.91, 0.92, 0.77),  # first run .902 .933 .725
          DATA_DIR / "blind_round11.yaml": (0.83, 0.86, 0.72, 0.8),  # first run .829 .840 .725
          DATA_DIR / "blind_round12.yaml": (0.84, 0.88, 0.55, 0.8),  # first run, unfixed
          DATA_DIR / "blind_round13.yaml": (0.88, 0.82, 0.75, 0.7),  # first run .866 .827 .750
          DATA_DIR / "blind_round14.yaml": (0.91, 0.86, 0.84, 1.0),  # first run .884 .827 .875
          # out of scope 0.85: since words are weighed by how much they belong to an intent
          # (ninth sitting), "what's a good couch to 5k app" gets the exercise tip
          DATA_DIR / "blind_round15.yaml": (0.91, 0.90, 0.83, 0.85),  # first run .913 .920 .850
          DATA_DIR / "blind_round16.yaml": (0.91, 0.88, 0.87, 0.8),  # first run .909 .893 .900
          DATA_DIR / "blind_round17.yaml": (0.89, 0.86, 0.80, 0.8),  # first run .894 .867 .825
          DATA_DIR / "blind_round18.yaml": (0.91, 0.90, 0.87, 0.8),  # first run .894 .920 .850
          DATA_DIR / "blind_round19.yaml": (0.89, 0.93, 0.78, 0.8),  # first run .847 .867 .750
          DATA_DIR / "blind_round20.yaml": (0.91, 0.92, 0.83, 0.7),  # first run .876 .867 .775
          DATA_DIR / "blind_round21.yaml": (0.90, 0.92, 0.75, 0.85),  # first run .898 .933 .725
          DATA_DIR / "blind_round22.yaml": (0.91, 0.92, 0.85, 0.9),  # first run .898 .907 .875
          DATA_DIR / "blind_round23.yaml": (0.89, 0.90, 0.80, 0.9),  # first run .898 .920 .825
          DATA_DIR / "blind_round24.yaml": (0.96, 0.96, 0.92, 0.9),  # first run .920 .960 .800
          DATA_DIR / "blind_round25.yaml": (0.95, 0.96, 0.92, 0.9),  # first run .916 .893 .875
          DATA_DIR / "blind_round26.yaml": (0.94, 0.96, 0.87, 0.9),  # first run .909 .947 .775
          DATA_DIR / "blind_round27.yaml": (0.93, 0.92, 0.87, 0.9),  # first run .924 .920 .875
          DATA_DIR / "blind_round28.yaml": (0.94, 0.94, 0.89, 0.9),  # first run, unfixed
          DATA_DIR / "blind_round29.yaml": (0.97, 0.98, 0.94, 0.8),  # first run .956 .933 .950
          DATA_DIR / "blind_round30.yaml": (0.94, 0.96, 0.94, 0.7),  # first run .927 .960 .950
          DATA_DIR / "blind_round31.yaml": (0.95, 0.95, 0.89, 0.9),  # first run .924 .947 .775
          DATA_DIR / "blind_round32.yaml": (0.93, 0.94, 0.92, 0.8),  # first run, unfixed
          DATA_DIR / "blind_round33.yaml": (0.92, 0.96, 0.82, 0.6)}  # first run .913 .960 .800


@pytest.mark.parametrize("path", list(ROUNDS), ids=[p.stem for p in ROUNDS])
def test_blind_round_floors(engine: Engine, path: Path) -> None:
    report = evaluate(engine, load_items(path))
    overall, multilingual, long, *rest = ROUNDS[path]
    out_of_scope = rest[0] if rest else 0.9  # round 5: a long message about a cat's hairballs
    per_tag = report.breakdown("tag")
    assert report.overall >= overall, f"{path.name}: {report.overall:.3f}\n" + (
        errors_listing(report))
    assert per_tag["multilingual"]["accuracy"] >= multilingual
    assert per_tag["long"]["accuracy"] >= long
    assert report.summary()["out_of_scope_rejection"] >= out_of_scope
