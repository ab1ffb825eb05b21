"""The browsable menus (main, self-care tips, guidelines, about RLS, sources) as Replies.

What they list and in which order is data (``knowledge/menus.yml``); the texts are the
intents' own answers, so a tip in the menu and the answer to "does massage help" can never
drift apart.
"""

from __future__ import annotations

from bot.core import actions
from bot.core.compose import (
    answer,
    details,
    main_menu_buttons,
    menu_button,
    rows,
    source_refs,
    sources_title,
)
from bot.core.kb import KnowledgeBase
from bot.core.reply import Button, Reply


def main_menu(kb: KnowledgeBase, *, welcome: bool = False) -> Reply:
    text = kb.text("welcome") if welcome else kb.text("menus.main.text")
    return Reply("menu", text, buttons=main_menu_buttons(kb))


def ask_prompt(kb: KnowledgeBase) -> Reply:
    return Reply("info", kb.text("menus.ask.text"), buttons=((menu_button(kb),),))


def tip(kb: KnowledgeBase, position: int) -> Reply:
    """Tip ``position`` (1-based, clamped) with Prev / Next / Menu."""
    total = len(kb.tips)
    position = min(max(position, 1), total)
    intent = kb.intents[kb.tips[position - 1]]
    nav: list[Button] = []
    if position > 1:
        nav.append(Button(kb.text("buttons.prev"), actions.tip(position - 1)))
    if position < total:
        nav.append(Button(kb.text("buttons.next"), actions.tip(position + 1)))
    keyboard: tuple[tuple[Button, ...], ...] = (tuple(nav),) if nav else ()
    more = ((Button(kb.text("buttons.more"), actions.intent("more", intent.id)),)
            if intent.details else ())
    keyboard = (*keyboard, (*more, menu_button(kb)))
    refs = source_refs(kb, intent.sources)
    return Reply("tip", intent.answer, title=intent.title, intent_id=intent.id,
                 sources=refs, sources_title=sources_title(kb, refs), disclaimer=kb.disclaimer,
                 buttons=keyboard, footer=kb.text("tip_position", n=position, total=total))


def guidelines_menu(kb: KnowledgeBase) -> Reply:
    buttons = [Button(kb.intents[g].title, actions.intent("show", g)) for g in kb.guidelines]
    return Reply("menu", kb.text("menus.guidelines.text"),
                 buttons=(*rows(buttons), (menu_button(kb),)))


def guideline(kb: KnowledgeBase, intent_id: str) -> Reply:
    back = Button(kb.text("buttons.back", menu=kb.text("menus.guidelines.name")),
                  actions.menu("guidelines"))
    return answer(kb, kb.intents[intent_id], extra=(back,))


def about_menu(kb: KnowledgeBase) -> Reply:
    buttons = [Button(kb.intents[i].title, actions.intent("show", i)) for i in kb.about]
    return Reply("menu", kb.text("menus.about.text"),
                 buttons=(*rows(buttons), (menu_button(kb),)))


def gabapentin_menu(kb: KnowledgeBase) -> Reply:
    buttons = [Button(kb.intents[i].title, actions.intent("show", i))
               for i in kb.gabapentin]
    return Reply("menu", kb.text("menus.gabapentin.text"),
                 buttons=(*rows(buttons), (menu_button(kb),)))


def sources_list(kb: KnowledgeBase) -> Reply:
    refs = source_refs(kb, kb.sources)
    return Reply("info", kb.text("menus.sources.text"), sources=refs,
                 sources_title=sources_title(kb, refs), buttons=((menu_button(kb),),))


def named(kb: KnowledgeBase, name: str) -> Reply | None:
    """The menu behind an ``m:<name>`` button or a /start deep link."""
    builders = {
        "main": lambda: main_menu(kb),
        "tips": lambda: tip(kb, 1),
        "guidelines": lambda: guidelines_menu(kb),
        "about": lambda: about_menu(kb),
        "gabapentin": lambda: gabapentin_menu(kb),
        "sources": lambda: sources_list(kb),
        "ask": lambda: ask_prompt(kb),
    }
    builder = builders.get(name)
    return builder() if builder else None


def for_action(kb: KnowledgeBase, action: actions.Action) -> Reply | None:
    """What a tapped button shows, for every adapter alike; None for a stale button."""
    if action.ns == "m":
        return named(kb, action.verb)
    if action.ns == "t" and action.arg.isdigit():
        return tip(kb, int(action.arg))
    if action.ns == "i" and action.arg in kb.intents:
        intent = kb.intents[action.arg]
        if action.verb == "more":
            return details(kb, intent)
        if action.arg in kb.guidelines:
            return guideline(kb, action.arg)
        return answer(kb, intent, feedback=action.verb == "pick")
    if action.ns == "f" and action.arg in kb.intents:
        return Reply("notice", kb.text("feedback_thanks"), buttons=((menu_button(kb),),))
    return None
