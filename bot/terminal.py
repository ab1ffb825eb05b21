"""The terminal adapter: replies as plain text, buttons as numbered choices.

It is the bot without Telegram, on the same core, so a new user can try it with no token
and a curator can check an answer without a phone.
"""

from __future__ import annotations

import textwrap
from dataclasses import replace
from typing import TextIO

from bot.core import actions, compose, menus, selfcheck
from bot.core.engine import Engine
from bot.core.reply import Button, Reply

WIDTH = 88
_WORDS = {"next": "next", "n": "next", "prev": "prev", "previous": "prev", "p": "prev",
          "back": "back", "more": "more detail"}


def format_reply(reply: Reply, *, numbered: bool = True, with_details: bool = False) -> str:
    """A reply as a person reads it in a terminal."""
    parts: list[str] = []
    if reply.title:
        parts.append(reply.title.upper())
    if reply.footer:
        parts.append(f"({reply.footer})")
    # Paragraphs are wrapped one by one; a paragraph with its own line breaks (a list) stays.
    parts.append("\n\n".join(textwrap.fill(p, WIDTH) if "\n" not in p else p
                              for p in reply.text.split("\n\n")))
    if with_details and reply.details:
        parts.append(textwrap.fill(reply.details, WIDTH))
    if reply.sources:
        lines = [f"  - {s.label}: {s.url}" for s in reply.sources]
        parts.append("Sources:\n" + "\n".join(lines))
    if reply.reviewed:
        parts.append(reply.reviewed)
    if reply.disclaimer:
        parts.append(textwrap.fill(reply.disclaimer, WIDTH))
    if numbered and reply.buttons:
        parts.append("\n".join(f"  [{n}] {b.label}" for n, b in
                               enumerate(reply.all_buttons, 1)))
    return "\n\n".join(parts)


def chat(engine: Engine, stdin: TextIO, stdout: TextIO, *, intro: str = "") -> int:
    """A conversation: type a question, or a number to press that button; 'quit' ends it.

    Returns how many lines the person typed (0: standard input was empty)."""
    kb = engine.kb
    if intro:
        print(intro, file=stdout)
    current = menus.main_menu(kb, welcome=True)
    print(format_reply(current), file=stdout)
    typed = 0
    while True:
        print("\n> ", end="", file=stdout, flush=True)
        line = stdin.readline()
        if not line:
            print("\nBye!", file=stdout)
            return typed
        typed += 1
        text = line.strip()
        if text.lower() in {"quit", "exit", "/quit", "/exit", "q"}:
            print("Bye! Take care.", file=stdout)
            return typed
        buttons: tuple[Button, ...] = current.all_buttons
        reply: Reply | None
        named = [b for b in buttons if text.lower() in _WORDS and
                 _WORDS[text.lower()] in b.label.lower()]
        if named:  # "next", "prev", "back", "more": the button with that word
            text = str(buttons.index(named[0]) + 1)
        if text.isdigit() and 1 <= int(text) <= len(buttons):
            action = actions.decode(buttons[int(text) - 1].data)
            reply = menus.for_action(kb, action) if action else None
        elif text.isdigit():
            reply = replace(current, text=f"Please pick a number from 1 to {len(buttons)}, "
                            "or type a question.", title="", footer="", sources=(),
                            disclaimer="", details="")
        elif text.lower() in {"menu", "/menu", "/start"}:
            reply = menus.main_menu(kb)
        elif text.lower() in {"/check", "check"}:  # "Could this be RLS?" self-check
            reply = selfcheck.start(kb)
        elif text.lower() in {"/tips", "tips"}:
            reply = menus.tip(kb, 1)
        elif text.lower() in {"/guidelines"}:
            reply = menus.guidelines_menu(kb)
        elif text.lower() in {"/sources"}:
            reply = menus.sources_list(kb)
        elif text.lower() in {"/about", "/privacy"}:
            reply = compose.notice(kb, text.lower().lstrip("/"))
        elif text.lower() == "/help":
            reply = engine.ask("help").reply
        else:
            reply = engine.ask(text).reply
        if reply is None:
            reply = menus.main_menu(kb)
        current = reply
        print(format_reply(reply), file=stdout)
