"""Decision -> Reply: every medical reply gets its sources (with year) and the disclaimer.

Composition is the one place those guarantees are made, so neither the Telegram adapter nor
the terminal can forget them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

from bot.core import actions
from bot.core.kb import Intent, KnowledgeBase
from bot.core.matcher import Candidate
from bot.core.quality import reviewed_label
from bot.core.reply import Button, Reply, SourceRef

MAIN_MENU = "main"
"""The menu the ☰ button opens; knowledge/menus.yml must have it (the loader checks)."""


def menu_button(kb: KnowledgeBase) -> Button:
    return Button(kb.text(f"menus.{MAIN_MENU}.label"), actions.menu(MAIN_MENU))


def source_refs(kb: KnowledgeBase, ids: Iterable[str]) -> tuple[SourceRef, ...]:
    refs = []
    for sid in ids:
        source = kb.sources[sid]
        refs.append(SourceRef(source.id, source.label, source.citation, source.url))
    return tuple(refs)


def sources_title(kb: KnowledgeBase, refs: Sequence[SourceRef], lang: str = "") -> str:
    """"Source:" / "Sources:"; in ``lang`` when ``messages/<lang>.yml`` exists, or for a
    danger reply (fixed text in the person's language) when its danger file names the
    heading; otherwise in the default language."""
    if not refs:
        return ""
    key = "sources_one" if len(refs) == 1 else "sources_many"
    danger = kb.danger.sources_titles.get(lang, {}).get("one" if len(refs) == 1 else "many")
    return kb.languages.get(lang, {}).get(key) or danger or kb.text(key)


def rows(buttons: Sequence[Button], per_row: int = 1) -> tuple[tuple[Button, ...], ...]:
    return tuple(tuple(buttons[i:i + per_row]) for i in range(0, len(buttons), per_row))


def reviewed_line(kb: KnowledgeBase, intent: Intent) -> str:
    """"Reviewed Nov 2026" under a medical answer: how fresh the text is, for the reader."""
    if not intent.medical or intent.reviewed is None:
        return ""
    return kb.text("reviewed", date=reviewed_label(intent.reviewed))


def related_buttons(kb: KnowledgeBase, intent: Intent) -> list[Button]:
    return [Button(kb.intents[r].title, actions.intent("show", r)) for r in intent.related]


def answer(kb: KnowledgeBase, intent: Intent, *, feedback: bool = False,
           extra: Sequence[Button] = ()) -> Reply:
    """The short answer to an intent, with a 'More detail' button when there is more."""
    if intent.id == kb.roles.urgent:
        # First and alone: no menus or follow-ups competing with "call now".
        refs = source_refs(kb, intent.sources)
        return Reply("urgent", intent.answer, title="", details=intent.details,
                     sources=refs, sources_title=sources_title(kb, refs),
                     intent_id=intent.id)
    buttons: list[Button] = []
    if kb.selfcheck is not None and intent.id == kb.selfcheck.offered_by:
        # "Do I have RLS?": the answer's first button starts the self-check.
        buttons.append(Button(kb.selfcheck.labels["start"], actions.selfcheck()))
    if intent.details:
        buttons.append(Button(kb.text("buttons.more"), actions.intent("more", intent.id)))
    buttons.extend(related_buttons(kb, intent))
    buttons.extend(extra)
    keyboard = rows(buttons)
    if feedback and intent.medical:  # "Was this helpful?", just above the menu button
        keyboard = (
            *keyboard,
            (Button(kb.text("buttons.helpful"), actions.feedback("up", intent.id)),
             Button(kb.text("buttons.not_helpful"), actions.feedback("down", intent.id))),
        )
    keyboard = (*keyboard, (menu_button(kb),))
    text = intent.answer
    sources = source_refs(kb, intent.sources)
    if intent.id == kb.roles.sources:
        sources = source_refs(kb, kb.sources)
    # "Hi!" under a shouted "HELLO" reads oddly: small talk answers without a heading.
    title = "" if intent.id in kb.safety.small_talk else intent.title
    return Reply("answer", text, title=title, details=intent.details, sources=sources,
                 sources_title=sources_title(kb, sources),
                 disclaimer=kb.disclaimer if intent.medical else "", buttons=keyboard,
                 intent_id=intent.id, reviewed=reviewed_line(kb, intent))


def urgent(kb: KnowledgeBase, key: str, lang: str, *, then: str | None = None) -> Reply:
    """A danger reply (crisis, crisis_other, emergency, poison) in the person's language:
    first and alone, opening with the action; no buttons and no "before starting or
    changing any treatment" footer to compete with "call now". ``then``: another reply
    whose opening paragraph follows ("call your emergency number now", then the crisis
    line, for a wish to die already acted on)."""
    texts = kb.danger.replies.get(lang) or kb.danger.replies["en"]
    text = texts.get(key) or kb.danger.replies["en"][key]
    body, sources = text.text, list(text.sources)
    if then is not None:
        after = texts.get(then) or kb.danger.replies["en"][then]
        body = f"{body}\n\n{after.text.split(chr(10) * 2, 1)[0]}"
        sources += [s for s in after.sources if s not in sources]
    refs = source_refs(kb, sources)
    return Reply("urgent", body, sources=refs, sources_title=sources_title(kb, refs, lang),
                 intent_id=kb.roles.urgent)


def with_risk_line(kb: KnowledgeBase, reply: Reply, kind: str, lang: str) -> Reply:
    """An answer to a question *about* a risk, with one line on what to call if it is
    happening now (in the person's language) and that line's sources."""
    texts = kb.danger.replies.get(lang) or kb.danger.replies["en"]
    line = texts[f"risk_line_{kind}"]
    known = {s.id for s in reply.sources}
    extra = source_refs(kb, (sid for sid in line.sources if sid not in known))
    refs = (*reply.sources, *extra)
    return replace(reply, text=f"{reply.text}\n\n⚠️ {line.text}", sources=refs,
                   sources_title=sources_title(kb, refs))


def details(kb: KnowledgeBase, intent: Intent) -> Reply:
    """The longer explanation behind 'More detail'."""
    text = intent.details or intent.answer
    keyboard = (*rows(related_buttons(kb, intent)), (menu_button(kb),))
    refs = source_refs(kb, intent.sources)
    return Reply("details", text, title=intent.title, sources=refs,
                 sources_title=sources_title(kb, refs),
                 disclaimer=kb.disclaimer if intent.medical else "", buttons=keyboard,
                 intent_id=intent.id, reviewed=reviewed_line(kb, intent))


def suggest(kb: KnowledgeBase, candidates: Sequence[Candidate]) -> Reply:
    buttons = [Button(kb.intents[c.intent_id].title, actions.intent("pick", c.intent_id))
               for c in candidates]
    return Reply("suggest", kb.text("suggest"), buttons=(*rows(buttons), (menu_button(kb),)))


def main_menu_buttons(kb: KnowledgeBase) -> tuple[tuple[Button, ...], ...]:
    return tuple(tuple(Button(kb.text(f"menus.{name}.label"), actions.menu(name))
                       for name in row) for row in kb.menus[MAIN_MENU].rows)


def fallback(kb: KnowledgeBase, message_key: str = "fallback") -> Reply:
    return Reply("fallback", kb.text(message_key), buttons=main_menu_buttons(kb))


def notice(kb: KnowledgeBase, message_key: str, *, with_menu: bool = True) -> Reply:
    """A fixed message from meta.yml (non-text input, flood, errors, ...)."""
    return Reply("notice", kb.text(message_key),
                 buttons=main_menu_buttons(kb) if with_menu else ())
