"""``rls-bot`` from the terminal: ask, ask --json, chat, eval and kb check, driven through
``bot.cli.main`` with in-memory streams (and once through a real subprocess)."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import CONNECT_HINT, main
from bot.core.kb import KnowledgeBase
from tests.conftest import FIXTURE_KB, REPO_ROOT


def run(*argv: str, stdin: str = "") -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdin=io.StringIO(stdin), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def flat(text: str) -> str:
    """Undo the terminal's line wrapping, so whole sentences can be looked for."""
    return " ".join(text.split())


@pytest.fixture
def broken_kb(tmp_path: Path) -> Path:
    target = tmp_path / "kb"
    shutil.copytree(FIXTURE_KB, target)
    path = target / "intents" / "gabapentin.yml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("sources: [trial_2002, web_page]", "sources: [smith_2020]"),
                    encoding="utf-8")
    return target


# ------------------------------------------------------------------------------ ask


def test_ask_prints_answer_sources_and_disclaimer(kb: KnowledgeBase) -> None:
    code, out, err = run("ask", "does gabapentin help rls")
    assert code == 0, err
    intent = kb.intents["gabapentin_efficacy"]
    assert intent.title.upper() in out
    assert flat(intent.answer) in flat(out)
    assert flat(intent.details) in flat(out)  # ask shows the details too
    assert "Sources:" in out
    for sid in intent.sources:
        source = kb.sources[sid]
        assert f"{source.label}: {source.url}" in out
    assert flat(kb.disclaimer) in flat(out)


def test_ask_joins_unquoted_words() -> None:
    assert run("ask", "does", "gabapentin", "help", "rls")[1] == run(
        "ask", "does gabapentin help rls")[1]


def test_ask_without_a_question_explains(kb: KnowledgeBase) -> None:
    code, out, err = run("ask", "  ")
    assert code == 2
    assert out == ""
    assert "give a question" in err


def test_ask_json_has_the_stable_keys() -> None:
    code, out, _ = run("ask", "--json", "does neurontin help restless legs")
    assert code == 0
    data = json.loads(out)
    assert {"intent", "score", "decision", "answer", "sources", "suggestions", "why"} <= set(data)
    assert data["question"] == "does neurontin help restless legs"
    assert data["decision"] == "answer"
    assert data["intent"] == "gabapentin_efficacy"
    assert 0 <= data["score"] <= 100
    assert data["sources"] and all(isinstance(s, str) for s in data["sources"])
    assert data["suggestions"] == []
    assert data["disclaimer"]
    why = data["why"]
    assert "neurontin->gabapentin" in why["synonyms"]
    assert why["matched_example"]
    assert set(why) >= {"normalized", "synonyms", "corrections", "matched_example", "rule"}


def test_ask_json_urgent_names_the_rule() -> None:
    data = json.loads(run("ask", "--json", "i took too many pills")[1])
    assert (data["intent"], data["decision"], data["score"]) == ("urgent_help", "answer", 100.0)
    assert data["why"]["rule"] == "danger:poison"
    assert data["danger_tier"] == "poison"
    assert data["language"] == "en"
    assert data["disclaimer"] == ""


def test_ask_json_reads_one_question_per_line() -> None:
    lines = ["does gabapentin help rls", "", "!!!", "i took too many pills",
             "asdkjh qwe 🙂", "what is horizant"]
    code, out, _ = run("ask", "--json", "-", stdin="\n".join(lines) + "\n")
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["question"] for r in rows] == lines
    assert rows[0]["intent"] == "gabapentin_efficacy"
    assert rows[1]["decision"] == rows[2]["decision"] == "fallback"
    assert rows[3]["intent"] == "urgent_help"
    assert rows[4]["intent"] is None
    assert rows[5]["intent"] == "gabapentin_enacarbil"


def test_ask_json_reads_windows_line_endings_and_no_final_newline() -> None:
    code, out, _ = run("ask", "--json", "-", stdin="hello\r\nwhat is horizant")
    assert code == 0
    assert [json.loads(line)["question"] for line in out.splitlines()] == [
        "hello", "what is horizant"]


def test_ask_text_reads_stdin_too(kb: KnowledgeBase) -> None:
    code, out, _ = run("ask", "-", stdin="what is horizant\n\n")
    assert code == 0
    assert flat(kb.intents["gabapentin_enacarbil"].answer) in flat(out)
    assert kb.messages["empty"] in flat(out)


def test_ask_with_another_knowledge_base() -> None:
    data = json.loads(run("--kb", str(FIXTURE_KB), "ask", "--json", "neurontin side effects")[1])
    assert data["intent"] == "gabapentin_side_effects"
    assert data["sources"] == ["trial_2002", "web_page"]


def test_ask_with_a_broken_knowledge_base_says_so(broken_kb: Path) -> None:
    code, out, err = run("--kb", str(broken_kb), "ask", "does gabapentin help rls")
    assert code == 1
    assert out == ""
    assert "cannot load the knowledge base" in err
    assert "smith_2020" in err
    assert "Traceback" not in err


def test_ask_with_a_missing_directory(tmp_path: Path) -> None:
    code, _, err = run("--kb", str(tmp_path / "nope"), "ask", "hello")
    assert code == 1
    assert "is not a directory" in err


# ------------------------------------------------------------------------------ chat


def test_chat_menus_and_questions(kb: KnowledgeBase) -> None:
    script = "\n".join([
        "3",  # main menu: Self-care tips -> tip 1
        "n",  # tip 1: Next -> tip 2
        "p",  # Prev -> tip 1
        "n",  # Next -> tip 2 again: a key means the same thing on every tip
        "b",  # back -> tip 1
        "m",
        "4",  # main menu: Guidelines
        "1",  # AASM
        "does gabapentin help rls",
        "99",  # no such button: say which numbers there are
        "quit",
    ]) + "\n"
    code, out, _ = run("chat", stdin=script)
    assert code == 0
    text = flat(out)
    assert flat(kb.messages["welcome"]) in text
    assert "[1] 💬 Ask a question" in out and "[6] 📚 Sources" in out
    assert "(Tip 1 of 7)" in out and "(Tip 2 of 7)" in out
    assert flat(kb.intents[kb.menus["tips"].topics[1]].answer) in text
    assert kb.messages["menus.guidelines.text"] in out
    assert kb.intents["guideline_aasm"].title.upper() in out
    assert flat(kb.intents["gabapentin_efficacy"].answer) in text
    assert "Please pick a number from 1 to" in text
    assert out.rstrip().endswith("Bye! Take care.")


def test_chat_more_opens_the_details_and_n_without_pages_says_so(kb: KnowledgeBase) -> None:
    code, out, _ = run("chat", stdin="does gabapentin help rls\nmore\nn\n99\nquit\n")
    assert code == 0
    screens = out.split("\n> ")
    details = flat(kb.intents["gabapentin_efficacy"].details)
    assert details[:60] in flat(screens[2])  # "more": the answer's details
    assert flat(kb.messages["no_page"]) in flat(screens[3])
    assert "Please pick a number from 1 to" in screens[4]
    assert "Reviewed" not in screens[3] and "Reviewed" not in screens[4]


def test_chat_ends_at_end_of_input() -> None:
    code, out, _ = run("chat", stdin="what is horizant\n")
    assert code == 0
    assert out.rstrip().endswith("Bye! Take care.")


def test_chat_shortcuts(kb: KnowledgeBase) -> None:
    code, out, _ = run("chat", stdin="/tips\n/guidelines\n/sources\n/start\nexit\n")
    assert code == 0
    assert "(Tip 1 of 7)" in out
    assert kb.messages["menus.guidelines.text"] in out
    assert kb.messages["menus.sources.text"] in out
    assert out.count(flat(kb.messages["welcome"])[:40]) == 2  # at the start and for /start


def test_chat_urgent_reply_has_no_numbered_choices(kb: KnowledgeBase) -> None:
    code, out, _ = run("chat", stdin="i cant breathe\nq\n")
    assert code == 0
    emergency = kb.danger.replies["en"]["emergency"].text
    after = flat(out).split(flat(emergency.split(".")[0]))[1]
    reply = after.split("> ")[0]
    assert "[1]" not in reply
    assert flat(kb.disclaimer) not in flat(reply)  # no treatment footer under "call now"


def test_a_number_after_the_urgent_reply_opens_the_menu(kb: KnowledgeBase) -> None:
    """The danger reply has nothing to pick; a number typed next was meant for a menu (it
    had answered "Please pick a number from 1 to 0")."""
    code, out, _ = run("chat", stdin="i cant breathe\n2\nq\n")
    assert code == 0
    assert "from 1 to 0" not in out
    after = out.split(flat(kb.danger.replies["en"]["emergency"].text.split(".")[0]))[-1]
    assert kb.messages["menus.main.text"] in after


def test_run_without_a_token_starts_the_chat(monkeypatch: pytest.MonkeyPatch,
                                             tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no .env here
    for name in ("TELEGRAM_BOT_TOKEN", "KNOWLEDGE_DIR", "WEBHOOK_URL", "LOG_LEVEL"):
        monkeypatch.delenv(name, raising=False)
    code, out, _ = run("run", stdin="quit\n")
    assert code == 0
    assert out.startswith(CONNECT_HINT)


def test_run_with_a_malformed_token_stops_before_any_network(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "not-a-token")
    code, out, err = run("run")
    assert code == 1
    assert out == ""
    assert "TELEGRAM_BOT_TOKEN" in err
    assert "not-a-token" not in err


# ------------------------------------------------------------------------------ eval


def test_eval_prints_the_four_metrics(tmp_path: Path) -> None:
    path = tmp_path / "set.yaml"
    path.write_text(
        '- q: "does gabapentin help rls"\n  expect: [gabapentin_efficacy]\n'
        '- q: "i took too many pills"\n  expect: [urgent_help]\n'
        '- q: "what is the capital of france"\n  expect: [null]\n'
        '- q: "what is horizant"\n  expect: [rls_overview]\n', encoding="utf-8")
    code, out, _ = run("eval", str(path), "-v")
    assert code == 0
    lines = out.splitlines()
    assert "questions              4" in lines
    assert "overall                0.750" in lines
    assert "in_scope_accuracy      0.667" in lines
    assert "out_of_scope_rejection 1.000" in lines
    assert "urgent_recall          1.000" in lines
    assert "  rls_overview                     1" in lines
    assert any("what is horizant" in line for line in lines)


def test_eval_json_lists_errors(tmp_path: Path) -> None:
    path = tmp_path / "set.yaml"
    path.write_text('- q: "what is horizant"\n  expect: rls_overview\n', encoding="utf-8")
    code, out, _ = run("eval", str(path), "--json")
    assert code == 0
    data = json.loads(out)
    assert data["overall"] == 0.0
    assert data["errors"] == [{"q": "what is horizant", "expect": ["rls_overview"],
                               "predicted": "gabapentin_enacarbil", "decision": "answer",
                               "score": data["errors"][0]["score"], "tag": None,
                               "lang": "en"}]


def test_eval_prints_accuracy_per_tag_and_language_and_the_did_you_mean_rate(
        tmp_path: Path) -> None:
    path = tmp_path / "set.yaml"
    path.write_text(
        '- q: "does gabapentin help rls"\n  expect: [gabapentin_efficacy]\n  tag: plain\n'
        '- q: "what is horizant"\n  expect: [rls_overview]\n  tag: plain\n'
        '- q: "what is the capital of france"\n  expect: [null]\n  tag: oos\n'
        '  lang: fr\n', encoding="utf-8")
    code, out, _ = run("eval", str(path), "-v")
    assert code == 0
    lines = out.splitlines()
    assert "did_you_mean_rate      0.000" in lines
    assert "wrong_answer_rate      0.333" in lines
    assert "  plain                   2  0.500  0.000  0.500" in lines
    assert "  oos                     1  1.000  0.000  0.000" in lines
    assert "  fr                      1  1.000  0.000  0.000" in lines
    assert any(line.startswith("  [plain/en]") and "horizant" in line for line in lines)


def test_eval_of_the_dev_set_runs() -> None:
    code, out, _ = run("eval", str(REPO_ROOT / "tests" / "data" / "dev_questions.yaml"))
    assert code == 0
    assert out.startswith("questions ")


@pytest.mark.parametrize("content", [None, "q: not a list\n"])
def test_eval_of_a_bad_file_is_one_line(tmp_path: Path, content: str | None) -> None:
    path = tmp_path / "set.yaml"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    code, out, err = run("eval", str(path))
    assert code == 1
    assert out == ""
    assert err.startswith("rls-bot eval:")
    assert "Traceback" not in err


# ------------------------------------------------------------------------------ kb check


def test_kb_check_on_the_real_knowledge_base(kb: KnowledgeBase) -> None:
    code, out, err = run("kb", "check")
    assert code == 0, err
    assert out.startswith(f"OK: {len(kb.intents)} intents, ")
    assert f"{len(kb.sources)} sources, {len(kb.menus)} menus" in out
    assert f"topics: {len(kb.taxonomy)} taxonomy ids" in out


def test_kb_check_on_the_fixture() -> None:
    code, out, _ = run("kb", "check", str(FIXTURE_KB))
    assert code == 0
    assert out.startswith("OK: 6 intents, 60 examples, 2 sources, 7 menus")


def test_kb_check_names_file_intent_and_field(broken_kb: Path) -> None:
    code, out, err = run("kb", "check", str(broken_kb))
    assert code == 1
    assert out == ""
    assert err.splitlines()[0] == "1 problem(s) in the knowledge base:"
    assert ("intents/gabapentin.yml: intent gabapentin_side_effects: sources: "
            "unknown source id 'smith_2020'") in err
    assert "Traceback" not in err


def test_kb_check_lists_several_problems(broken_kb: Path) -> None:
    meta = broken_kb / "meta.yml"
    meta.write_text(meta.read_text(encoding="utf-8").replace("margin: 4", "margin: lots"),
                    encoding="utf-8")
    code, _, err = run("kb", "check", str(broken_kb))
    assert code == 1
    assert err.splitlines()[0] == "2 problem(s) in the knowledge base:"
    assert "meta.yml: matching.margin: must be a number from 0 to 100" in err


def test_kb_check_uses_the_global_kb_option(broken_kb: Path) -> None:
    assert run("--kb", str(broken_kb), "kb", "check")[0] == 1


def test_renaming_the_dose_intent_fails_kb_check_not_the_bot(tmp_path: Path) -> None:
    """The review's crash: gabapentin_dosage renamed in a copy of knowledge/ passed the
    check, then `ask "can i take 2 of my 300mg"` raised KeyError. Now the check fails."""
    copy = tmp_path / "knowledge"
    shutil.copytree(REPO_ROOT / "knowledge", copy)
    for path in (copy / "intents").glob("*.yml"):
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("gabapentin_dosage", "gabapentin_amounts"),
                        encoding="utf-8")
    for path in copy.glob("*.yml"):
        if path.name != "roles.yml":
            text = path.read_text(encoding="utf-8")
            path.write_text(text.replace("gabapentin_dosage", "gabapentin_amounts"),
                            encoding="utf-8")
    code, out, err = run("kb", "check", str(copy))
    assert code == 1 and "OK" not in out
    assert "roles.yml: roles.dose: unknown intent id 'gabapentin_dosage'" in err
    code, _, err = run("--kb", str(copy), "ask", "can i take 2 of my 300mg")
    assert code == 1 and "cannot load the knowledge base" in err


# ------------------------------------------------------------------------------ entry point


def test_real_entry_point_in_a_subprocess() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "bot.cli", "ask", "--json", "does gabapentin help rls"],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=60, check=False,
    )
    assert completed.returncode == 0, completed.stderr
    data = json.loads(completed.stdout)
    assert data["intent"] == "gabapentin_efficacy"
    assert data["decision"] == "answer"
    assert data["disclaimer"]
    # the terminal commands never load the Telegram library
    probe = subprocess.run(
        [sys.executable, "-c",
         "import sys, io; from bot.cli import main; "
         "main(['ask', 'hello'], stdout=io.StringIO()); "
         "print('telegram' in sys.modules)"],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=60, check=False,
    )
    assert probe.stdout.strip() == "False", probe.stderr


def test_ask_json_reports_the_topic_beside_the_intent(kb: KnowledgeBase) -> None:
    data = json.loads(run("ask", "--json", "does neurontin help restless legs")[1])
    assert (data["intent"], data["topic"]) == ("gabapentin_efficacy", "gabapentin_efficacy")
    finer = next(i for i in kb.intents.values() if i.topic != i.id)
    data = json.loads(run("ask", "--json", finer.examples[0])[1])
    assert data["intent"] == finer.id
    assert data["topic"] == finer.topic
    assert json.loads(run("ask", "--json", "asdkjh qwe")[1])["topic"] is None


def _fixture_copy(tmp_path: Path) -> Path:
    root = tmp_path / "kb"
    shutil.copytree(FIXTURE_KB, root)
    return root


def test_kb_check_reports_readability_and_reviews(kb: KnowledgeBase) -> None:
    code, out, err = run("kb", "check")
    assert code == 0, err
    assert "readability (Flesch-Kincaid): short answers: median grade" in out
    assert "(limit 8," in out and "(limit 10," in out
    assert f"reviewed within {kb.review_max_age_months} months" in out


def test_kb_check_warns_on_an_old_review_and_passes(tmp_path: Path) -> None:
    root = _fixture_copy(tmp_path)
    path = root / "intents" / "gabapentin.yml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "reviewed: 2026-11-24", "reviewed: 2020-01-15", 1), encoding="utf-8")
    code, _, err = run("kb", "check", str(root))
    assert code == 0
    assert "warning: gabapentin_efficacy reviewed 2020-01-15" in err
    assert "limit 12 months" in err
    code, _, err = run("kb", "check", "--max-review-age", "200", str(root))
    assert code == 0 and "warning" not in err


def test_kb_check_fails_on_a_future_review_date(tmp_path: Path) -> None:
    root = _fixture_copy(tmp_path)
    path = root / "intents" / "gabapentin.yml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "reviewed: 2026-11-24", "reviewed: 2999-01-01", 1), encoding="utf-8")
    code, _, err = run("kb", "check", str(root))
    assert code == 1
    assert "2999-01-01 is in the future" in err


def test_kb_check_fails_on_a_hard_answer(tmp_path: Path) -> None:
    pytest.importorskip("textstat")
    root = _fixture_copy(tmp_path)
    path = root / "intents" / "gabapentin.yml"
    text = path.read_text(encoding="utf-8")
    hard = ("Alpha-2-delta ligands may be considered for initial pharmacological treatment of "
            "clinically significant restless legs syndrome given their favourable augmentation "
            "profile relative to dopaminergic agents.")
    path.write_text(text.replace(
        "answer: This bot covers gabapentin only. Ask your doctor about other medicines.",
        f"answer: {hard}"), encoding="utf-8")
    code, _, err = run("kb", "check", str(root))
    assert code == 1
    assert "other_medications: answer reads at grade" in err
    assert "1 text(s) too hard to read" in err


def test_chat_self_check_with_numbered_choices(kb: KnowledgeBase) -> None:
    assert kb.selfcheck is not None
    # Second run: Yes, No, Back (to question 2), Yes, Yes, Yes, No.
    script = "/check\n1\n1\n1\n1\n1\n/check\n1\n2\n3\n1\n1\n1\n2\nquit\n"
    code, out, _ = run("chat", stdin=script)
    assert code == 0
    text = flat(out)
    assert "(Question 1 of 5)" in text and "[1] Yes [2] No" in text
    assert flat(kb.selfcheck.results["fits"]) in text
    assert flat(kb.selfcheck.results["not_all"]) in text
    # the "No" to question 2
    assert "You did not answer yes to: not explained by something else." in text
    # was taken back
    assert text.count(flat(kb.selfcheck.results["not_diagnosis"])) == 2


def test_chat_about_rls_menu_starts_the_check(kb: KnowledgeBase) -> None:
    assert kb.selfcheck is not None
    code, out, _ = run("chat", stdin="5\n1\nquit\n")  # main menu: About RLS -> self-check
    assert code == 0
    assert "(Question 1 of 5)" in out


@pytest.mark.parametrize(("message", "lang", "key"), [
    ("im going to take all my pills tonight, nobody would even notice", "en", "crisis"),
    ("my dad is going blue and wont wake up", "en", "emergency"),
    ("my dog just ate two of my gabapentin", "en", "poison"),
    ("ya no aguanto más, me quiero morir", "es", "crisis"),
    ("meine Mutter atmet kaum und ist nicht ansprechbar", "de", "emergency"),
])
def test_chat_danger_reply_comes_first_and_alone(kb: KnowledgeBase, message: str, lang: str,
                                                 key: str) -> None:
    """In the terminal too: the tier's text in the person's language, its sources, and no
    numbered choices or treatment footer competing with it."""
    code, out, _ = run("chat", stdin=f"{message}\nq\n")
    assert code == 0
    expected = kb.danger.replies[lang][key]
    first_line = expected.text.split("\n")[0]
    assert flat(first_line) in flat(out)
    reply = flat(out).split(flat(first_line))[1].split("> ")[0]
    assert "[1]" not in reply
    assert flat(kb.disclaimer) not in reply
    for source in expected.sources:
        assert kb.sources[source].url in reply


def test_chat_command_with_words_after_it(kb: KnowledgeBase) -> None:
    # "/suggest add a tip" is the suggest command with its text, as in Telegram.
    code, out, _ = run("chat", stdin="/suggest add a tip about socks\nq\n")
    assert code == 0
    assert flat(kb.text("suggest_off")) in flat(out)


def test_chat_unknown_command_says_so(kb: KnowledgeBase) -> None:
    code, out, _ = run("chat", stdin="/frobnicate\nq\n")
    assert code == 0
    assert flat(kb.text("unknown_command")) in flat(out)
