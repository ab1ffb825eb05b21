"""Menus, commands and button taps as Replies, from the one registry in menus.yml.

What the menus list and in which order is data (``knowledge/menus.yml``), their words are in
``knowledge/messages/``, and the texts are the intents' own answers, so a tip in the menu and
the answer to "does massage help" can never drift apart. Telegram and the terminal chat both
come here, so a new menu appears in both.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from bot.core import actions, selfcheck
from bot.core.actions import (
    Action,
    FeedbackAction,
    MenuAction,
    PageAction,
    SelfCheckAction,
    TopicAction,
)
from bot.core.compose import (
    answer,
    details,
    main_menu_buttons,
    menu_button,
    notice,
    reviewed_line,
    rows,
    source_refs,
    sources_title,
)
from bot.core.kb import Command, KnowledgeBase, Menu
from bot.core.reply import Button, Reply


def main_menu(kb: KnowledgeBase, *, welcome: bool = False) -> Reply:
    text = kb.text("welcome") if welcome else kb.text("menus.main.text")
    return Reply("menu", text, buttons=main_menu_buttons(kb))


def unknown_command(kb: KnowledgeBase) -> Reply:
    """A /command we do not have ("/stop", "/foo", an admin command from anyone else): say
    so, then show what we do have, rather than a menu that looks like an answer."""
    return Reply("menu", kb.text("unknown_command"), buttons=main_menu_buttons(kb))


def page(kb: KnowledgeBase, menu: Menu, position: int) -> Reply:
    """Topic ``position`` (1-based, clamped) of a paged menu, with Prev / Next / Menu."""
    total = len(menu.topics)
    position = min(max(position, 1), total)
    intent = kb.intents[menu.topics[position - 1]]
    nav: list[Button] = []
    if position > 1:
        nav.append(Button(kb.text("buttons.prev"), actions.page(menu.id, position - 1)))
    if position < total:
        nav.append(Button(kb.text("buttons.next"), actions.page(menu.id, position + 1)))
    keyboard: tuple[tuple[Button, ...], ...] = (tuple(nav),) if nav else ()
    more = ((Button(kb.text("buttons.more"), actions.intent("more", intent.id)),)
            if intent.details else ())
    keyboard = (*keyboard, (*more, menu_button(kb)))
    refs = source_refs(kb, intent.sources)
    return Reply("tip", intent.answer, title=intent.title, intent_id=intent.id,
                 sources=refs, sources_title=sources_title(kb, refs), disclaimer=kb.disclaimer,
                 buttons=keyboard, footer=kb.text("tip_position", n=position, total=total),
                 reviewed=reviewed_line(kb, intent))


def _menu_buttons(kb: KnowledgeBase, menu_ids: tuple[str, ...]) -> list[Button]:
    return [Button(kb.text(f"menus.{m}.label"), actions.menu(m)) for m in menu_ids
            if _available(kb, kb.menus[m])]


def _available(kb: KnowledgeBase, menu: Menu) -> bool:
    """A self-check menu needs a knowledge base with the self-check."""
    return menu.kind != "selfcheck" or kb.selfcheck is not None


def parent(kb: KnowledgeBase, menu: Menu) -> Menu | None:
    """The menu that lists ``menu`` among its sub-menus, if any."""
    return next((m for m in kb.menus.values() if menu.id in (*m.before, *m.after)), None)


def _topic_list(kb: KnowledgeBase, menu: Menu) -> Reply:
    """Its sub-menus before, its topics, its sub-menus after; a sub-menu gets a way back."""
    buttons = [*_menu_buttons(kb, menu.before),
               *(Button(kb.intents[i].title, actions.intent("show", i)) for i in menu.topics),
               *_menu_buttons(kb, menu.after)]
    up = parent(kb, menu)
    back = (Button(kb.text("buttons.back", menu=kb.text(f"menus.{up.id}.name")),
                   actions.menu(up.id)),) if up else ()
    return Reply("menu", kb.text(f"menus.{menu.id}.text"),
                 buttons=(*rows(buttons), (*back, menu_button(kb))))


def _sources(kb: KnowledgeBase, menu: Menu) -> Reply:
    refs = source_refs(kb, kb.sources)
    return Reply("info", kb.text(f"menus.{menu.id}.text"), sources=refs,
                 sources_title=sources_title(kb, refs), buttons=((menu_button(kb),),))


def _prompt(kb: KnowledgeBase, menu: Menu) -> Reply:
    """A prompt menu only says how to ask: the question itself is typed, not tapped."""
    return Reply("info", kb.text(f"menus.{menu.id}.text"), buttons=((menu_button(kb),),))


_SHOW: dict[str, Callable[[KnowledgeBase, Menu], Reply | None]] = {
    "main": lambda kb, menu: main_menu(kb),
    "pages": lambda kb, menu: page(kb, menu, 1),
    "list": _topic_list,
    "sources": _sources,
    "selfcheck": lambda kb, menu: selfcheck.start(kb),
    "prompt": _prompt,
}
"""How each kind of menu (kb.MENU_KINDS) is shown; a kind not listed is shown as a prompt."""


def show(kb: KnowledgeBase, menu_id: str) -> Reply | None:
    """The menu behind an ``m:<id>`` button, a command or a /start deep link."""
    menu = kb.menus.get(menu_id)
    if menu is None:
        return None
    return _SHOW.get(menu.kind, _prompt)(kb, menu)


def topic(kb: KnowledgeBase, action: TopicAction) -> Reply | None:
    """An intent's answer or details; from a menu with ``back``, a way back to it."""
    intent = kb.intents.get(action.intent)
    if intent is None:
        return None
    if action.verb == "more":
        return details(kb, intent)
    home = next((m for m in kb.menus.values() if m.back and intent.id in m.topics), None)
    extra = (Button(kb.text("buttons.back", menu=kb.text(f"menus.{home.id}.name")),
                    actions.menu(home.id)),) if home else ()
    return answer(kb, intent, feedback=action.verb == "pick", extra=extra)


def feedback(kb: KnowledgeBase, action: FeedbackAction) -> Reply | None:
    """After a vote: the answer again without its vote row, and a thank-you toast."""
    intent = kb.intents.get(action.intent)
    if intent is None:
        return None
    return replace(answer(kb, intent), toast=kb.text("feedback_thanks"))


def for_action(kb: KnowledgeBase, action: Action) -> Reply | None:
    """What a tapped button shows, for every adapter alike; None for a stale button."""
    match action:
        case MenuAction(menu=menu_id):
            return show(kb, menu_id)
        case PageAction(menu=menu_id, position=position):
            menu = kb.menus.get(menu_id)
            return page(kb, menu, position) if menu and menu.kind == "pages" else None
        case TopicAction():
            return topic(kb, action)
        case FeedbackAction():
            return feedback(kb, action)
        case SelfCheckAction(answers=answers):
            return selfcheck.step(kb, answers)
    return None


def stale(kb: KnowledgeBase) -> Reply:
    """An old or forged button: a toast saying so and the main menu again."""
    reply = notice(kb, "stale_button")
    return replace(reply, toast=reply.text)


def command(kb: KnowledgeBase, name: str) -> Command | None:
    return next((c for c in kb.commands if c.name == name), None)


def for_command(kb: KnowledgeBase, cmd: Command) -> Reply | None:
    """A command that shows data (a menu, an intent, a message); None for a handler's."""
    if cmd.menu is not None:
        return show(kb, cmd.menu)
    if cmd.intent is not None:
        return topic(kb, TopicAction("show", cmd.intent))
    if cmd.message is not None:
        return notice(kb, cmd.message)
    return None


def deep_link(kb: KnowledgeBase, payload: str) -> Reply | None:
    """``t.me/<bot>?start=<payload>``: a menu id (tips, guidelines, ...) or an intent id.

    Shared links outlive knowledge-base edits, so an unknown payload gives None and the
    caller falls back to the welcome, never an error.
    """
    if payload in kb.intents:
        return topic(kb, TopicAction("show", payload))
    return show(kb, payload)
