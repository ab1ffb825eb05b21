"""``rls-bot``: run the Telegram bot, or use the same core from the terminal.

Telegram is imported only by ``run`` with a token, so ``ask``, ``chat``, ``eval`` and
``kb check`` start fast and small (see ``make bench``).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from bot.config import Settings, SettingsError, load_settings
from bot.core.engine import Engine, Result
from bot.core.kb import KnowledgeBase, KnowledgeBaseError, load_knowledge_base

if TYPE_CHECKING:
    from bot.core.evaluate import Report

CONNECT_HINT = (
    "No TELEGRAM_BOT_TOKEN set: starting the terminal chat. To connect to Telegram, get a "
    "token from @BotFather and put TELEGRAM_BOT_TOKEN=... in .env (see README)."
)


def _load(directory: str | Path | None, stderr: TextIO) -> KnowledgeBase | None:
    """``directory`` is --kb, or KNOWLEDGE_DIR as bot.config read it (main sets it)."""
    try:
        return load_knowledge_base(directory)
    except KnowledgeBaseError as exc:
        print(f"rls-bot: cannot load the knowledge base. {exc}", file=stderr)
        return None


def result_json(question: str, result: Result,
                topic_of: Callable[[str | None], str | None] = lambda i: i) -> dict[str, Any]:
    """One question's outcome, for scripts and curators (stable keys); ``topic`` is the
    TAXONOMY.md id the answering intent counts as (a finer intent names its parent)."""
    decision, reply = result.decision, result.reply
    why = decision.why
    suggestions = [c.intent_id for c in decision.candidates] if decision.kind == "suggest" else []
    intent = decision.intent_id if decision.kind == "answer" else None
    return {
        "question": question,
        "intent": intent,
        "topic": topic_of(intent),
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
        "language": result.language,
        "danger_tier": result.tier,
    }


def cmd_ask(args: argparse.Namespace, stdin: TextIO, stdout: TextIO, stderr: TextIO) -> int:
    from bot.terminal import format_reply

    kb = _load(args.kb, stderr)
    if kb is None:
        return 1
    engine = Engine.shared(kb)
    questions: Sequence[str]
    if args.question == ["-"]:
        for line in stdin:
            question = line.rstrip("\r\n")
            result = engine.ask(question)
            if args.json:
                print(json.dumps(result_json(question, result, kb.topic_of),
                                 ensure_ascii=False), file=stdout, flush=True)
            else:
                print(format_reply(kb, result.reply, with_details=True) + "\n",
                      file=stdout,
                      flush=True)
        return 0
    questions = [" ".join(args.question)]
    if not questions[0].strip():
        print("rls-bot ask: give a question, e.g. rls-bot ask \"does gabapentin help rls\", "
              "or - to read questions from standard input", file=stderr)
        return 2
    result = engine.ask(questions[0])
    if args.json:
        print(json.dumps(result_json(questions[0], result, kb.topic_of), ensure_ascii=False),
              file=stdout)
    else:
        print(format_reply(kb, result.reply, with_details=True), file=stdout)
    return 0


def cmd_chat(args: argparse.Namespace, stdin: TextIO, stdout: TextIO, stderr: TextIO,
             intro: str = "", *, fail_if_silent: bool = False) -> int:
    from bot.terminal import chat

    kb = _load(args.kb, stderr)
    if kb is None:
        return 1
    try:
        lines = chat(Engine.shared(kb), stdin, stdout, intro=intro)
        if fail_if_silent and lines == 0:
            # `rls-bot run` with no token and no one to talk to (a service with stdin at
            # /dev/null): a configuration error, not a finished conversation.
            print("rls-bot: no TELEGRAM_BOT_TOKEN and no terminal input: nothing to run. "
                  "Set TELEGRAM_BOT_TOKEN (see README).", file=stderr)
            return 1
        return 0
    except KeyboardInterrupt:
        print("\n" + kb.text("bye"), file=stdout)
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
    report = evaluate(Engine.shared(kb), items)
    summary = report.summary()
    if args.json:
        summary["errors"] = [
            {"q": o.item.question, "expect": list(o.item.expect), "predicted": o.predicted,
             "decision": o.decision, "score": o.score, "tag": o.item.tag or None,
             "lang": o.item.lang} for o in report.errors
        ]
        print(json.dumps(summary, indent=2, ensure_ascii=False), file=stdout)
        return 0
    print(f"questions              {summary['questions']}", file=stdout)
    for key in ("overall", "in_scope_accuracy", "out_of_scope_rejection", "urgent_recall",
                "did_you_mean_rate", "wrong_answer_rate"):
        print(f"{key:<22} {summary[key]:.3f}", file=stdout)
    _print_danger(summary["danger"], stdout)
    _print_breakdowns(summary, stdout)
    _print_errors(summary, report, stdout, verbose=args.verbose)
    return 0


def _print_breakdowns(summary: dict[str, Any], stdout: TextIO) -> None:
    """Per kind and per language, so a weak group is not hidden by good totals."""
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


def _print_errors(summary: dict[str, Any], report: Report, stdout: TextIO, *,
                  verbose: bool) -> None:
    """Where to look first (intents, confusions); every wrong question only with -v."""
    if not summary["errors_per_intent"]:
        return
    print("\nerrors per expected intent:", file=stdout)
    for intent, count in summary["errors_per_intent"].items():
        print(f"  {intent:<32} {count}", file=stdout)
    print("\nmain confusions (expected -> predicted):", file=stdout)
    for row in summary["confusions"]:
        print(f"  {row['expected']} -> {row['predicted']}  x{row['count']}", file=stdout)
    if verbose:
        print("\nerrors:", file=stdout)
        for o in report.errors:
            label = f"[{o.item.tag or '-'}/{o.item.lang}] "
            print(f"  {label}{o.item.expect} -> {o.predicted} ({o.decision} {o.score}): "
                  f"{o.item.question}", file=stdout)


def _print_danger(danger: dict[str, Any], stdout: TextIO) -> None:
    """Danger recall per tier and language, false alarms per kind and language."""
    if not danger:
        return
    urgent, near = danger["urgent"], danger["near_miss"]
    print(file=stdout)
    if urgent["n"]:  # a set with near misses only (questions about risks) has no recall
        print(f"danger recall          {urgent['recall']:.3f}  (n={urgent['n']})", file=stdout)
        for group in ("urgent_by_language", "urgent_by_tier"):
            for key, row in danger[group].items():
                print(f"  {key:<20} {row['recall']:.3f}  (n={row['n']})", file=stdout)
    print(f"false alarms           {near['rate']:.3f}  ({near['false_alarms']} of {near['n']})",
          file=stdout)
    for group in ("near_miss_by_language", "near_miss_by_kind"):
        for key, row in danger[group].items():
            print(f"  {key:<20} {row['rate']:.3f}  ({row['false_alarms']} of {row['n']})",
                  file=stdout)


def cmd_kb_check(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    directory = args.dir or args.kb
    from bot.core.languages import load_languages

    try:
        kb = load_knowledge_base(directory)
        languages = load_languages(kb.directory, frozenset(kb.intents))
    except KnowledgeBaseError as exc:
        print(str(exc), file=stderr)
        return 1
    examples = sum(len(i.examples) for i in kb.intents.values())
    finer = sum(1 for i in kb.intents.values() if i.topic != i.id)
    print(f"OK: {len(kb.intents)} intents, {examples} examples, {len(kb.sources)} sources, "
          f"{len(kb.menus)} menus, {len(kb.commands)} commands, {len(kb.roles.popular)} "
          f"popular topics, {len(languages.by_code)} more languages in {kb.directory}",
          file=stdout)
    print(f"topics: {len(kb.taxonomy)} taxonomy ids, {finer} finer intents answering for "
          "one of them", file=stdout)
    return _check_quality(kb, args.max_review_age, stdout, stderr)


def _check_quality(kb: KnowledgeBase, max_review_age: int | None, stdout: TextIO,
                   stderr: TextIO) -> int:
    """Readability (fails above the limits) and review age (warns), after a clean load."""
    import datetime as dt

    from bot.core import quality

    months = max_review_age or kb.review_max_age_months
    old = quality.old_reviews(kb, dt.date.today(), months)
    for review in old:
        when = f"reviewed {review.reviewed} ({review.months} months ago)" if review.reviewed \
            else "has no reviewed date"
        print(f"warning: {review.where} {when}; check it against its sources and update "
              f"'reviewed' (limit {months} months)", file=stderr)
    if not old:
        print(f"reviews: every medical text reviewed within {months} months", file=stdout)
    grade = quality.flesch_kincaid()
    if grade is None:
        print("readability: not checked (textstat is not installed; pip install -e '.[dev]')",
              file=stderr)
        return 0
    grades = quality.readability(kb, grade)
    print(f"readability (Flesch-Kincaid): {quality.readability_summary(grades)}", file=stdout)
    too_hard = [g for g in grades if g.too_hard]
    for g in too_hard:
        print(f"  - {g.where}: {g.field} reads at grade {g.grade:.1f} (limit {g.limit:g}): "
              "shorter sentences, common words", file=stderr)
    if too_hard:
        print(f"{len(too_hard)} text(s) too hard to read", file=stderr)
        return 1
    return 0


def cmd_report(args: argparse.Namespace, settings: Settings, stdout: TextIO,
               stderr: TextIO) -> int:
    from bot.store import Store, format_report, report_csv

    path = args.store if args.store is not None else settings.store_path
    if path is None or not Path(path).is_file():
        print(f"rls-bot report: no store at {path} yet (it is created when the bot first "
              "runs with STORE_PATH set)", file=stderr)
        return 1
    from bot.store import format_weekly, weekly

    store = Store(path)
    try:
        report = store.report(args.days)
        weeks = weekly(store, max(1, -(-args.days // 7)))
    finally:
        store.close()
    if args.html:
        try:
            from bot.report_html import render_html
        except ImportError:  # jinja2 is the `report` extra, not in the bot's image
            print("rls-bot report --html needs the report extra: pip install "
                  "'rls-bot[report]'", file=stderr)
            return 1
        Path(args.html).write_text(render_html(report, weeks), encoding="utf-8")
        print(f"wrote {args.html}", file=stdout)
        return 0
    if args.csv:
        print(report_csv(report), file=stdout, end="")
    elif args.weekly:
        print(format_weekly(weeks), file=stdout)
    else:
        print(format_report(report), file=stdout)
    return 0


def cmd_health(args: argparse.Namespace, settings: Settings, stdout: TextIO,
               stderr: TextIO) -> int:
    """For HEALTHCHECK / systemd: webhook -> GET /healthz, polling -> the heartbeat file."""
    from bot.healthcheck import MISSED_BEATS, check_file, check_url, local_url

    url = args.url
    if url is None and args.file is None and settings.webhook_url is not None:
        url = local_url(settings.webhook_listen, settings.webhook_port)
    if url is not None:
        ok, message = check_url(url, args.timeout, live_only=args.live)
    else:
        path = args.file or settings.heartbeat_file
        if path is None:
            print("rls-bot health: set HEARTBEAT_FILE (polling) or WEBHOOK_URL (webhook), "
                  "or give --file / --url", file=stderr)
            return 1
        max_age = args.max_age or MISSED_BEATS * settings.heartbeat_seconds
        ok, message = check_file(Path(path), max_age, live_only=args.live)
    print(message, file=stdout if ok else stderr)
    return 0 if ok else 1


def cmd_run(args: argparse.Namespace, settings: Settings, stdin: TextIO, stdout: TextIO,
            stderr: TextIO) -> int:
    import signal

    if hasattr(signal, "SIGHUP"):  # before the slow imports: a reload then must not kill us
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
    webhook = args.webhook or settings.webhook_url is not None
    if settings.token is None:
        if webhook:
            print("rls-bot: --webhook needs TELEGRAM_BOT_TOKEN (see README)", file=stderr)
            return 1
        return cmd_chat(args, stdin, stdout, stderr, intro=CONNECT_HINT, fail_if_silent=True)
    from bot.app import run_bot  # imports telegram: only when we really connect

    kb = _load(args.kb, stderr)
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
    report.add_argument("--weekly", action="store_true",
                        help="one line per week: answers, helpful, fallbacks, confusions")
    report.add_argument("--html", metavar="FILE", default=None,
                        help="write one self-contained HTML page with charts")
    report.add_argument("--store", metavar="FILE", default=None,
                        help="SQLite file (default: STORE_PATH)")

    health = sub.add_parser("health", help="exit 0 if the running bot is alive and ready "
                            "(for Docker HEALTHCHECK and systemd)")
    health.add_argument("--url", default=None,
                        help="health URL (default in webhook mode: the local /healthz)")
    health.add_argument("--file", default=None, help="heartbeat file (default: HEARTBEAT_FILE)")
    health.add_argument("--max-age", type=float, default=None,
                        help="oldest acceptable heartbeat in seconds (default: 3 beats)")
    health.add_argument("--timeout", type=float, default=5.0,
                        help="seconds to wait for /healthz (default 5)")
    health.add_argument("--live", action="store_true",
                        help="alive is enough (do not require the Bot API to be reachable)")

    kb = sub.add_parser("kb", help="knowledge-base tools")
    kb_sub = kb.add_subparsers(dest="kb_command", required=True)
    check = kb_sub.add_parser("check", help="validate the knowledge base; exit 1 on problems")
    check.add_argument("dir", nargs="?", default=None, help="folder (default: knowledge/)")
    check.add_argument("--max-review-age", type=int, default=None, metavar="MONTHS",
                       help="warn about reviews older than this (default: meta.yml "
                            "reviews.max_age_months, 12)")
    return parser


_Subcommand = Callable[[argparse.Namespace, Settings, TextIO, TextIO, TextIO], int]
"""How main runs a subcommand: (args, settings, stdin, stdout, stderr) -> exit status."""

_SUBCOMMANDS: dict[str, _Subcommand] = {  # one entry per subcommand of build_parser()
    "ask": lambda args, settings, stdin, out, err: cmd_ask(args, stdin, out, err),
    "chat": lambda args, settings, stdin, out, err: cmd_chat(args, stdin, out, err),
    "eval": lambda args, settings, stdin, out, err: cmd_eval(args, out, err),
    "kb": lambda args, settings, stdin, out, err: cmd_kb_check(args, out, err),
    "report": lambda args, settings, stdin, out, err: cmd_report(args, settings, out, err),
    "health": lambda args, settings, stdin, out, err: cmd_health(args, settings, out, err),
    "run": cmd_run,
}


def main(argv: Sequence[str] | None = None, stdin: TextIO | None = None,
         stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    args = build_parser().parse_args(argv)
    try:  # every setting read and checked once, the same way for every subcommand
        settings = load_settings()
    except SettingsError as exc:
        print(f"rls-bot: {exc}", file=stderr)
        return 1
    args.kb = args.kb or settings.knowledge_dir
    command = _SUBCOMMANDS.get(args.command, _SUBCOMMANDS["run"])
    return command(args, settings, stdin, stdout, stderr)


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
