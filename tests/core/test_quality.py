"""How the medical text reads and how fresh it is: the limits the project holds itself to.

The readability test is the enforcement: every medical short answer at or under
Flesch-Kincaid grade 8 and every "more detail" at or under grade 10 (textstat), so a new
answer written in guideline language fails here, not in front of a tired patient.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from bot.core import quality
from bot.core.kb import KnowledgeBase, load_knowledge_base
from tests.conftest import FIXTURE_KB

pytest.importorskip("textstat")


def test_every_medical_text_reads_at_or_under_its_grade(kb: KnowledgeBase) -> None:
    grade = quality.flesch_kincaid()
    assert grade is not None
    grades = quality.readability(kb, grade)
    medical = [i for i in kb.intents.values() if i.medical]
    assert len([g for g in grades if g.field == "answer"]) == len(medical)
    too_hard = [f"{g.where} {g.field}: {g.grade:.1f} > {g.limit:g}" for g in grades
                if g.too_hard]
    assert not too_hard, "\n".join(too_hard)
    assert quality.ANSWER_MAX_GRADE == 8.0 and quality.DETAILS_MAX_GRADE == 10.0


def test_readability_flags_a_guideline_sentence() -> None:
    grade = quality.flesch_kincaid()
    assert grade is not None
    hard = ("Alpha-2-delta ligands may be considered for initial pharmacological treatment "
            "of clinically significant restless legs syndrome given their favourable "
            "augmentation profile relative to dopaminergic agents.")
    assert grade(hard) > quality.ANSWER_MAX_GRADE
    assert grade("Gabapentin can ease RLS. Ask your doctor.") <= quality.ANSWER_MAX_GRADE


@pytest.mark.parametrize(("reviewed", "today", "months", "old"), [
    (dt.date(2025, 11, 24), dt.date(2026, 11, 24), 12, False),
    (dt.date(2025, 11, 24), dt.date(2026, 11, 25), 12, True),
    (dt.date(2026, 1, 31), dt.date(2026, 2, 28), 1, False),
    (dt.date(2026, 1, 31), dt.date(2026, 3, 1), 1, True),
    (dt.date(2026, 11, 24), dt.date(2026, 11, 27), 12, False),
])
def test_review_age_in_calendar_months(reviewed: dt.date, today: dt.date, months: int,
                                       old: bool) -> None:
    assert quality.is_older_than(reviewed, today, months) is old


def test_reviewed_label_is_month_and_year() -> None:
    assert quality.reviewed_label(dt.date(2026, 11, 24)) == "Nov 2026"
    assert quality.reviewed_label(dt.date(2027, 1, 2)) == "Jan 2027"


def test_old_reviews_lists_only_the_old_ones(tmp_path: Path) -> None:
    root = tmp_path / "kb"
    shutil.copytree(FIXTURE_KB, root)
    path = root / "intents" / "gabapentin.yml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("reviewed: 2026-11-24", "reviewed: 2024-01-15", 1),
                    encoding="utf-8")
    kb = load_knowledge_base(root)
    found = quality.old_reviews(kb, dt.date(2026, 11, 27), 12)
    assert [(r.where, r.reviewed, r.months) for r in found] == [
        ("gabapentin_efficacy", dt.date(2024, 1, 15), 34)]
    assert quality.old_reviews(kb, dt.date(2026, 11, 27), 36) == []

