"""The browsable menus (main, self-care tips, guidelines, about RLS, sources) as Replies.

What they list and in which order is data (``knowledge/menus.yml``); the texts are the
intents' own answers, so a tip in the menu and the answer to "does massage help" can never
drift apart.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.core import actions, selfcheck
from bot.core.compose import (
    MENU_BUTTON,
    answer,
    details,
    main_menu_buttons,
    reviewed_line,
    rows,
    source_refs,
)
from bot.core.kb import KnowledgeBase
from bot.core.reply import Button, Reply


def main_menu(kb: KnowledgeBase, *, welcome: bool = False) -> Reply:
    text = kb.messages["welcome"] if welcome else kb.messages["menu"]
    return Reply("menu", text, buttons=main_menu_buttons())


def ask_prompt(kb: KnowledgeBase) -> Reply:
    examples = ("does gabapentin help restless legs", "what is horizant",
                "my legs crawl at night what can i do")
    text = "Type your question in your own words, for example:\n" + "\n".join(
        f"• {e}" for e in examples)
    return Reply("info", text, buttons=((MENU_BUTTON,),))


def tip(kb: KnowledgeBase, position: int) -> Reply:
    """Tip ``position`` (1-based, clamped) with Prev / Next / Menu."""
    total = len(kb.tips)
    position = min(max(position, 1), total)
    intent = kb.intents[kb.tips[position - 1]]
    nav: list[Button] = []
    if position > 1:
        nav.append(Button("◀ Prev", actions.tip(position - 1)))
    if position < total:
        nav.append(Button("Next ▶", actions.tip(position + 1)))
    keyboard: tuple[tuple[Button, ...], ...] = (tuple(nav),) if nav else ()
    more = (Button("More detail", actions.intent("more", intent.id)),) if intent.details else ()
    keyboard = (*keyboard, (*more, MENU_BUTTON))
    return Reply("tip", intent.answer, title=intent.title, intent_id=intent.id,
                 sources=source_refs(kb, intent.sources), disclaimer=kb.disclaimer,
                 buttons=keyboard, footer=f"Tip {position} of {total}",
                 reviewed=reviewed_line(kb, intent))


def guidelines_menu(kb: KnowledgeBase) -> Reply:
    buttons = [Button(kb.intents[g].title, actions.intent("show", g)) for g in kb.guidelines]
    return Reply("menu", kb.messages["guidelines_intro"],
                 buttons=(*rows(buttons), (MENU_BUTTON,)))


def guideline(kb: KnowledgeBase, intent_id: str) -> Reply:
    back = Button("◀ Back to guidelines", actions.menu("guidelines"))
    return answer(kb, kb.intents[intent_id], extra=(back,))


def about_menu(kb: KnowledgeBase) -> Reply:
    buttons = [Button(kb.intents[i].title, actions.intent("show", i)) for i in kb.about]
    if kb.selfcheck is not None:  # "Could this be RLS?" first: what people come to ask
        buttons.insert(0, Button(kb.selfcheck.labels["start"], actions.selfcheck("")))
    return Reply("menu", "About restless legs syndrome:",
                 buttons=(*rows(buttons), (MENU_BUTTON,)))


def gabapentin_menu(kb: KnowledgeBase) -> Reply:
    buttons = [Button(kb.intents[i].title, actions.intent("show", i))
               for i in kb.gabapentin]
    if kb.gabapentin_safety:
        buttons.append(Button(SAFETY_MENU_LABEL, actions.menu("safety")))
    return Reply("menu", "Gabapentin and RLS: pick a question.",
                 buttons=(*rows(buttons), (MENU_BUTTON,)))


SAFETY_MENU_LABEL = "⚠️ Safety: who, what with, when ▶"


def gabapentin_safety_menu(kb: KnowledgeBase) -> Reply:
    """Older adults, kidneys, pregnancy, driving, travel...: a second page, so the first
    stays short enough to read on a phone."""
    buttons = [Button(kb.intents[i].title, actions.intent("show", i))
               for i in kb.gabapentin_safety]
    back = Button("◀ About gabapentin", actions.menu("gabapentin"))
    return Reply("menu", "Gabapentin: safety and special situations. Pick a question.",
                 buttons=(*rows(buttons), (back, MENU_BUTTON)))


def sources_list(kb: KnowledgeBase) -> Reply:
    return Reply("info", kb.messages["sources_intro"], sources=source_refs(kb, kb.sources),
                 buttons=((MENU_BUTTON,),))


def named(kb: KnowledgeBase, name: str) -> Reply | None:
    """The menu behind an ``m:<name>`` button or a /start deep link."""
    builders: dict[str, Callable[[], Reply | None]] = {
        "main": lambda: main_menu(kb),
        "tips": lambda: tip(kb, 1),
        "guidelines": lambda: guidelines_menu(kb),
        "about": lambda: about_menu(kb),
        "gabapentin": lambda: gabapentin_menu(kb),
        "safety": lambda: gabapentin_safety_menu(kb),
        "check": lambda: selfcheck.start(kb),
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
    if action.ns == "c":
        return selfcheck.step(kb, action.arg)
    if action.ns == "f" and action.arg in kb.intents:
        return Reply("notice", "Thank you for the feedback!", buttons=((MENU_BUTTON,),))
    return None
