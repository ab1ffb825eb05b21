"""``rls-bot``: run the Telegram bot, or use the same core from the terminal.

Telegram is imported only by ``run`` with a token, so ``ask``, ``chat``, ``eval`` and
``kb check`` start fast and small (see ``make bench``).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from bot.core.engine import Engine, Result
from bot.core.kb import KnowledgeBase, KnowledgeBaseError, load_knowledge_base

CONNECT_HINT = (
    "No TELEGRAM_BOT_TOKEN set: starting the terminal chat. To connect to Telegram, get a "
    "token from @BotFather and put TELEGRAM_BOT_TOKEN=... in .env (see README)."
)


def _load(directory: str | Path | None, stderr: TextIO) -> KnowledgeBase | None:
    directory = directory or os.environ.get("KNOWLEDGE_DIR") or None
    try:
        return load_knowledge_base(directory)
    except KnowledgeBaseError as exc:
        print(f"rls-bot: cannot load the knowledge base. {exc}", file=stderr)
        return None


def result_json(question: str, result: Result) -> dict[str, Any]:
    """One question's outcome, for scripts and curators (stable keys)."""
    decision, reply = result.decision, result.reply
    why = decision.why
    suggestions = [c.intent_id for c in decision.candidates] if decision.kind == "suggest" else []
    return {
        "question": question,
        "intent": decision.intent_id if decision.kind == "answer" else None,
        "score": decision.score,
        "decision": decision.kind,
        "answer": reply.text,
        "details": reply.details,
        "sources": [s.id for s in reply.sources],
        "disclaimer": reply.disclaimer,
        "suggestions": suggestions,
        "why": {
            "normalized": why.normalized,
            "synonyms": list(why.synonyms),
            "corrections": list(why.corrections),
            "matched_example": why.matched_example,
            "rule": why.rule,
            "best_guess": decision.intent_id,
        },
        "truncated": result.truncated,
    }


def cmd_ask(args: argparse.Namespace, stdin: TextIO, stdout: TextIO, stderr: TextIO) -> int:
    from bot.terminal import format_reply

    kb = _load(args.kb, stderr)
    if kb is None:
        return 1
    engine = Engine(kb)
    questions: Sequence[str]
    if args.question == ["-"]:
        for line in stdin:
            question = line.rstrip("\r\n")
            result = engine.ask(question)
            if args.json:
                print(json.dumps(result_json(question, result), ensure_ascii=False),
                      file=stdout, flush=True)
            else:
                print(format_reply(result.reply, with_details=True) + "\n", file=stdout,
                      flush=True)
        return 0
    questions = [" ".join(args.question)]
    if not questions[0].strip():
        print("rls-bot ask: give a question, e.g. rls-bot ask \"does gabapentin help rls\", "
              "or - to read questions from standard input", file=stderr)
        return 2
    result = engine.ask(questions[0])
    if args.json:
        print(json.dumps(result_json(questions[0], result), ensure_ascii=False), file=stdout)
    else:
        print(format_reply(result.reply, with_details=True), file=stdout)
    return 0


def cmd_chat(args: argparse.Namespace, stdin: TextIO, stdout: TextIO, stderr: TextIO,
             intro: str = "", *, fail_if_silent: bool = False) -> int:
    from bot.terminal import chat

    kb = _load(args.kb, stderr)
    if kb is None:
        return 1
    try:
        lines = chat(Engine(kb), stdin, stdout, intro=intro)
        if fail_if_silent and lines == 0:
            # `rls-bot run` with no token and no one to talk to (a service with stdin at
            # /dev/null): a configuration error, not a finished conversation.
            print("rls-bot: no TELEGRAM_BOT_TOKEN and no terminal input: nothing to run. "
                  "Set TELEGRAM_BOT_TOKEN (see README).", file=stderr)
            return 1
        return 0
    except KeyboardInterrupt:
        print("\nBye!", file=stdout)
        return 0


def cmd_eval(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from bot.core.evaluate import evaluate, load_items

    kb = _load(args.kb, stderr)
    if kb is None:
        return 1
    try:
        items = load_items(args.file)
    except (OSError, ValueError) as exc:
        print(f"rls-bot eval: {exc}", file=stderr)
        return 1
    report = evaluate(Engine(kb), items)
    summary = report.summary()
    if args.json:
        summary["errors"] = [
            {"q": o.item.question, "expect": list(o.item.expect), "predicted": o.predicted,
             "decision": o.decision, "score": o.score, "tag": o.item.tag,
             "lang": o.item.lang} for o in report.errors
        ]
        print(json.dumps(summary, indent=2, ensure_ascii=False), file=stdout)
        return 0
    print(f"questions              {summary['questions']}", file=stdout)
    for key in ("overall", "in_scope_accuracy", "out_of_scope_rejection", "urgent_recall",
                "did_you_mean_rate", "wrong_answer_rate"):
        print(f"{key:<22} {summary[key]:.3f}", file=stdout)
    for key, title in (("per_tag", "kind (tag)"), ("per_lang", "language")):
        rows = summary[key]
        if key == "per_lang" and set(rows) <= {"en"}:
            continue  # an English-only set: the language table would repeat the totals
        if rows:
            print(f"\n{'per ' + title:<22} {'n':>4} {'acc':>6} {'dym':>6} {'wrong':>6}",
                  file=stdout)
            for name, row in rows.items():
                print(f"  {name:<20} {row['n']:>4} {row['accuracy']:>6.3f} "
                      f"{row['suggest']:>6.3f} {row['wrong']:>6.3f}", file=stdout)
    if summary["errors_per_intent"]:
        print("\nerrors per expected intent:", file=stdout)
        for intent, count in summary["errors_per_intent"].items():
            print(f"  {intent:<32} {count}", file=stdout)
        print("\nmain confusions (expected -> predicted):", file=stdout)
        for row in summary["confusions"]:
            print(f"  {row['expected']} -> {row['predicted']}  x{row['count']}", file=stdout)
        if args.verbose:
            print("\nerrors:", file=stdout)
            for o in report.errors:
                label = f"[{o.item.tag or '-'}/{o.item.lang}] "
                print(f"  {label}{o.item.expect} -> {o.predicted} ({o.decision} {o.score}): "
                      f"{o.item.question}", file=stdout)
    return 0


def cmd_kb_check(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    directory = args.dir or args.kb or os.environ.get("KNOWLEDGE_DIR") or None
    from bot.core.languages import load_languages

    try:
        kb = load_knowledge_base(directory)
        languages = load_languages(kb.directory, frozenset(kb.intents))
    except KnowledgeBaseError as exc:
        print(str(exc), file=stderr)
        return 1
    examples = sum(len(i.examples) for i in kb.intents.values())
    print(f"OK: {len(kb.intents)} intents, {examples} examples, {len(kb.sources)} sources, "
          f"{len(kb.tips)} tips, {len(kb.guidelines)} guideline summaries, "
          f"{len(languages.by_code)} more languages in {kb.directory}", file=stdout)
    return 0


def cmd_report(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from bot.config import SettingsError, load_settings
    from bot.store import Store, format_report, report_csv

    path = args.store
    if path is None:
        try:
            path = load_settings().store_path
        except SettingsError as exc:
            print(f"rls-bot: {exc}", file=stderr)
            return 1
    if path is None or not Path(path).is_file():
        print(f"rls-bot report: no store at {path} yet (it is created when the bot first "
              "runs with STORE_PATH set)", file=stderr)
        return 1
    store = Store(path)
    try:
        report = store.report(args.days)
    finally:
        store.close()
    print(report_csv(report) if args.csv else format_report(report), file=stdout, end="" if
          args.csv else "\n")
    return 0


def cmd_run(args: argparse.Namespace, stdin: TextIO, stdout: TextIO, stderr: TextIO) -> int:
    from bot.config import SettingsError, load_settings

    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"rls-bot: {exc}", file=stderr)
        return 1
    webhook = args.webhook or settings.webhook_url is not None
    if settings.token is None:
        if webhook:
            print("rls-bot: --webhook needs TELEGRAM_BOT_TOKEN (see README)", file=stderr)
            return 1
        args.kb = args.kb or settings.knowledge_dir
        return cmd_chat(args, stdin, stdout, stderr, intro=CONNECT_HINT, fail_if_silent=True)
    from bot.app import run_bot  # imports telegram: only when we really connect

    kb = _load(args.kb or settings.knowledge_dir, stderr)
    if kb is None:
        return 1
    return run_bot(settings, kb, webhook=webhook)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rls-bot",
        description="Answers questions about gabapentin for restless legs syndrome, "
                    "with sources. General information, not medical advice.",
    )
    parser.add_argument("--kb", metavar="DIR", default=None,
                        help="knowledge base folder (default: the bundled knowledge/)")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run the Telegram bot (terminal chat without a token)")
    run.add_argument("--webhook", action="store_true",
                     help="receive updates by webhook instead of long polling")

    ask = sub.add_parser("ask", help="answer one question (or - for one per line on stdin)")
    ask.add_argument("question", nargs="*", help='the question, or "-" for standard input')
    ask.add_argument("--json", action="store_true", help="print one JSON object per question")

    sub.add_parser("chat", help="talk to the bot in the terminal, menus as numbered choices")

    ev = sub.add_parser("eval", help="score a question set (YAML list of q/expect)")
    ev.add_argument("file", help="e.g. tests/data/dev_questions.yaml")
    ev.add_argument("--json", action="store_true", help="print the report as JSON")
    ev.add_argument("-v", "--verbose", action="store_true", help="list every error")

    report = sub.add_parser("report", help="curator's report from the store (counts only)")
    report.add_argument("--days", type=int, default=30, help="how many days back (default 30)")
    report.add_argument("--csv", action="store_true", help="CSV for a spreadsheet")
    report.add_argument("--store", metavar="FILE", default=None,
                        help="SQLite file (default: STORE_PATH)")

    kb = sub.add_parser("kb", help="knowledge-base tools")
    kb_sub = kb.add_subparsers(dest="kb_command", required=True)
    check = kb_sub.add_parser("check", help="validate the knowledge base; exit 1 on problems")
    check.add_argument("dir", nargs="?", default=None, help="folder (default: knowledge/)")
    return parser


def main(argv: Sequence[str] | None = None, stdin: TextIO | None = None,
         stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    args = build_parser().parse_args(argv)
    if Path(".env").is_file():  # the same settings for every subcommand, as for `run`
        from dotenv import load_dotenv

        load_dotenv(".env", override=False)
    if args.command == "ask":
        return cmd_ask(args, stdin, stdout, stderr)
    if args.command == "chat":
        return cmd_chat(args, stdin, stdout, stderr)
    if args.command == "eval":
        return cmd_eval(args, stdout, stderr)
    if args.command == "kb":
        return cmd_kb_check(args, stdout, stderr)
    if args.command == "report":
        return cmd_report(args, stdout, stderr)
    return cmd_run(args, stdin, stdout, stderr)


def entry() -> int:
    """Console-script entry: a closed pipe (``rls-bot eval ... | head``) is not an error."""
    try:
        return main()
    except BrokenPipeError:
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    raise SystemExit(entry())
