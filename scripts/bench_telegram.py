"""Benchmark the Telegram adapter: updates per second through the real application.

Not a test (shared machines are noisy). The real ``build_application`` runs over the fake
Bot API of the adapter tests, so every figure covers PTB's dispatch, our filters and flood
guard, the core engine, rendering and request serialisation, but no network. The workload
mixes /start, free-text questions from tests/data/dev_questions.yaml and menu taps.

Two scenarios: one user sending updates one after another, and 100 users at once
(``asyncio.gather`` of ``process_update``, as PTB does with ``concurrent_updates``), each
user's own updates in order. Each figure is the median of ``--runs`` repetitions. The flood
guard is set out of reach and PTB's rate limiter is off unless ``--rate-limiter``: with it,
sends are capped at Telegram's 30 messages per second, which measures Telegram, not us.

    python scripts/bench_telegram.py [--runs 3] [--updates 600] [--api-latency-ms 0]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import logging
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from telegram import Update  # noqa: E402

from bot.app import BotApplication, build_application  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.core.evaluate import load_items  # noqa: E402
from bot.core.kb import KnowledgeBase, load_knowledge_base  # noqa: E402
from tests.telegram.fake import BOT_ID, TOKEN, FakeTelegram  # noqa: E402

QUESTIONS_FILE = ROOT / "tests" / "data" / "dev_questions.yaml"
TAPS = ("m:tips", "t:show:2", "t:show:3", "m:guidelines", "i:show:guideline_aasm", "m:main")


class Workload:
    """Bot API update dicts for one user: /start, then questions and taps, alternating."""

    def __init__(self, questions: list[str]) -> None:
        self.questions = itertools.cycle(questions)
        self.update_ids = itertools.count(1)

    def updates(self, user_id: int, count: int) -> list[dict[str, Any]]:
        taps = itertools.cycle(TAPS)
        out = [self.message(user_id, "/start")]
        while len(out) < count:
            out.append(self.message(user_id, next(self.questions)))
            out.append(self.tap(user_id, next(taps)))
            out.append(self.tap(user_id, next(taps)))
        return out[:count]

    def message(self, user_id: int, text: str) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": next(self.update_ids), "date": int(time.time()), "text": text,
            "chat": {"id": user_id, "type": "private"},
            "from": {"id": user_id, "is_bot": False, "first_name": "Bench"}}
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text)}]
        return {"update_id": next(self.update_ids), "message": message}

    def tap(self, user_id: int, data: str) -> dict[str, Any]:
        message = {"message_id": 1, "date": int(time.time()), "text": "menu",
                   "chat": {"id": user_id, "type": "private"},
                   "from": {"id": BOT_ID, "is_bot": True, "first_name": "Bot"}}
        query = {"id": str(next(self.update_ids)), "chat_instance": "1", "data": data,
                 "from": {"id": user_id, "is_bot": False, "first_name": "Bench"},
                 "message": message}
        return {"update_id": next(self.update_ids), "callback_query": query}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def run_user(app: BotApplication, updates: list[dict[str, Any]],
                   latencies: list[float]) -> None:
    for data in updates:
        update = Update.de_json(data, app.bot)
        start = time.perf_counter()
        await app.process_update(update)
        latencies.append(time.perf_counter() - start)


async def scenario(kb: KnowledgeBase, workload: Workload, *, users: int, per_user: int,
                   rate_limiter: bool, latency: float) -> dict[str, float]:
    settings = Settings(token=TOKEN, flood_messages=10**9, flood_seconds=1.0)
    fake = FakeTelegram()
    app = build_application(settings, kb, request=fake, get_updates_request=fake,
                            rate_limiter=rate_limiter)
    plans = [workload.updates(10_000 + n, per_user) for n in range(users)]
    latencies: list[float] = []
    async with app:
        fake.latency = latency
        await run_user(app, plans[0][:20], [])  # warm-up: first-call costs
        fake.calls.clear()
        start = time.perf_counter()
        await asyncio.gather(*(run_user(app, plan, latencies) for plan in plans))
        elapsed = time.perf_counter() - start
    sends = sum(c.method in ("sendMessage", "editMessageText") for c in fake.calls)
    assert sends >= len(latencies) * 0.9, "updates went unanswered: check the workload"
    return {"updates": float(len(latencies)), "per_second": len(latencies) / elapsed,
            "p50_ms": percentile(latencies, 0.50) * 1000,
            "p99_ms": percentile(latencies, 0.99) * 1000}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--updates", type=int, default=600, help="updates per user, 1 user")
    parser.add_argument("--per-user", type=int, default=30, help="updates per user, 100 users")
    parser.add_argument("--rate-limiter", action="store_true",
                        help="keep PTB's AIORateLimiter (caps sends at 30/s)")
    parser.add_argument("--api-latency-ms", type=float, default=0.0,
                        help="simulated Bot API round trip per call")
    args = parser.parse_args()
    logging.disable(logging.WARNING)  # the workload triggers nothing worth logging
    kb = load_knowledge_base()
    questions = [item.question for item in load_items(QUESTIONS_FILE)]
    workload = Workload(questions)
    latency = args.api_latency_ms / 1000
    rows = []
    for label, users, per_user in (("1 user", 1, args.updates),
                                   ("100 concurrent users", 100, args.per_user)):
        runs = [asyncio.run(scenario(kb, workload, users=users, per_user=per_user,
                                     rate_limiter=args.rate_limiter, latency=latency))
                for _ in range(args.runs)]
        rows.append((label, {k: statistics.median(r[k] for r in runs) for k in runs[0]}))
    print(f"Telegram adapter over the fake Bot API (median of {args.runs} runs; "
          f"rate limiter {'on' if args.rate_limiter else 'off'}; "
          f"API latency {args.api_latency_ms:g} ms)")
    print(f"{'scenario':<22}{'updates':>9}{'updates/s':>12}{'p50 ms':>9}{'p99 ms':>9}")
    for label, figures in rows:
        print(f"{label:<22}{figures['updates']:>9.0f}{figures['per_second']:>12.0f}"
              f"{figures['p50_ms']:>9.2f}{figures['p99_ms']:>9.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
