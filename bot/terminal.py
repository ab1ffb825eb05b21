"""The terminal adapter: replies as plain text, buttons as choices you type.

It is the bot without Telegram, on the same core and the same registry of menus and
commands (``knowledge/menus.yml``), so a new user can try it with no token and a curator
can check an answer without a phone. Navigation keys never change meaning: ``n`` is always
Next, ``p`` Prev, ``m`` the menu and ``b`` back to the previous screen; the other buttons
are numbered 1, 2, 3 on each screen.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, replace
from typing import TextIO

from bot.core import menus, selfcheck
from bot.core.actions import MenuAction, PageAction, decode
from bot.core.engine import Engine
from bot.core.kb import KnowledgeBase
from bot.core.reply import Button, Reply

WIDTH = 88
QUIT = frozenset({"quit", "exit", "/quit", "/exit", "q"})
KEYS = {"n": "n", "next": "n", "p": "p", "prev": "p", "previous": "p", "m": "m",
        "menu": "m", "b": "b", "back": "b", "more": "more", "details": "more"}
"""What a person may type for each navigation key (the keys themselves are not words a
person reads: each is shown beside its button's label from messages/)."""


@dataclass(frozen=True)
class Choices:
    """A screen's buttons: navigation by letter, everything else by number."""

    keyed: dict[str, Button]
    numbered: tuple[Button, ...]


def choices(kb: KnowledgeBase, reply: Reply) -> Choices:
    keys = {kb.text("buttons.next"): "n", kb.text("buttons.prev"): "p"}
    keyed: dict[str, Button] = {}
    numbered: list[Button] = []
    for button in reply.all_buttons:
        action = decode(button.data)
        if isinstance(action, PageAction) and button.label in keys:
            keyed[keys[button.label]] = button
        elif action == MenuAction("main"):
            keyed["m"] = button
        else:
            numbered.append(button)
    return Choices(keyed, tuple(numbered))


def format_reply(kb: KnowledgeBase, reply: Reply, *, numbered: bool = True,
                 with_details: bool = False) -> str:
    """A reply as a person reads it in a terminal."""
    parts: list[str] = []
    if reply.toast:
        parts.append(f"({reply.toast})")
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
        parts.append(f"{reply.sources_title}\n" + "\n".join(lines))
    if reply.reviewed:
        parts.append(reply.reviewed)
    if reply.disclaimer:
        parts.append(textwrap.fill(reply.disclaimer, WIDTH))
    if numbered and reply.buttons:
        shown = choices(kb, reply)
        lines = [f"  [{n}] {b.label}" for n, b in enumerate(shown.numbered, 1)]
        lines += [f"  [{key}] {b.label}" for key, b in sorted(shown.keyed.items())]
        parts.append("\n".join(lines))
    return "\n\n".join(parts)


def for_command(kb: KnowledgeBase, engine: Engine, name: str) -> Reply:
    """A /command from the registry; commands that need Telegram show the menu."""
    command = menus.command(kb, name)
    if command is None or command.admin:
        return menus.unknown_command(kb)
    if command.handler == "start":
        return menus.main_menu(kb, welcome=True)
    if command.handler == "suggest":
        return replace(menus.main_menu(kb), text=kb.text("suggest_off"))
    if command.handler == "check":
        return selfcheck.start(kb) or menus.main_menu(kb)
    return menus.for_command(kb, command) or menus.main_menu(kb)


def respond(engine: Engine, current: Reply, text: str) -> Reply | None:
    """The next screen for what was typed; None means "go back"."""
    kb = engine.kb
    shown = choices(kb, current)
    key = KEYS.get(text.lower())
    if key == "b":
        return None
    if key == "m":
        return menus.main_menu(kb)
    if key is not None and (reply := _navigate(kb, current, shown, key)) is not None:
        return reply
    if text.isdigit():
        return _pick(kb, current, shown, int(text))
    if text.startswith("/") and text[1:2].strip():
        # "/suggest add a tip about X": the command is the first word, as in Telegram.
        name = text[1:].split(maxsplit=1)[0]
        return for_command(kb, engine, name.split("@", 1)[0].lower())
    return engine.ask(text).reply


def _navigate(kb: KnowledgeBase, current: Reply, shown: Choices, key: str) -> Reply | None:
    """A navigation key on this screen; None: the key has nothing to do here ("more" where
    there are no details is then read as a question)."""
    if key in shown.keyed:
        return _press(kb, shown.keyed[key])
    if key == "more":  # "more" on an answer opens its details, as the button would
        detail = next((b for b in shown.numbered if b.label == kb.text("buttons.more")), None)
        return _press(kb, detail) if detail is not None else None
    if key in {"n", "p"}:  # no next or previous page here: keep the screen, say so
        return _note(current, kb.text("no_page"))
    return None


def _note(current: Reply, text: str) -> Reply:
    """The same screen with a one-line note instead of its content (its buttons stay)."""
    return replace(current, text=text, title="", footer="", sources=(), disclaimer="",
                   details="", toast="", reviewed="")


def _press(kb: KnowledgeBase, button: Button) -> Reply:
    """Typing a button's key does what a tap does in Telegram; a stale one shows the menu."""
    action = decode(button.data)
    return (menus.for_action(kb, action) if action else None) or menus.main_menu(kb)


def _pick(kb: KnowledgeBase, current: Reply, shown: Choices, number: int) -> Reply:
    """A number off the list keeps the screen and says which numbers there are, not an answer."""
    if 1 <= number <= len(shown.numbered):
        return _press(kb, shown.numbered[number - 1])
    if not shown.numbered:
        # A screen with nothing to pick (the danger reply is sent alone): the number was
        # meant for a menu, so show it ("pick a number from 1 to 0" had been the answer).
        return menus.main_menu(kb)
    return _note(current, kb.text("pick_number", count=len(shown.numbered)))


def chat(engine: Engine, stdin: TextIO, stdout: TextIO, *, intro: str = "") -> int:
    """A conversation: type a question, a number or key to press a button; 'quit' ends it.

    Returns how many lines the person typed (0: standard input was empty)."""
    kb = engine.kb
    if intro:
        print(intro, file=stdout)
    history = [menus.main_menu(kb, welcome=True)]
    print(format_reply(kb, history[-1]), file=stdout)
    typed = 0
    while True:
        print("\n> ", end="", file=stdout, flush=True)
        line = stdin.readline()
        if not line:
            print("\n" + kb.text("bye"), file=stdout)
            return typed
        typed += 1
        text = line.strip()
        if text.lower() in QUIT:
            print(kb.text("bye"), file=stdout)
            return typed
        reply = respond(engine, history[-1], text)
        if reply is None:  # back: the previous screen, or the menu at the start
            if len(history) > 1:
                history.pop()
            reply = history[-1] if len(history) > 1 else menus.main_menu(kb)
        else:
            history.append(reply)
        print(format_reply(kb, reply), file=stdout)
