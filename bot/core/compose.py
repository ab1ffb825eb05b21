"""Decision -> Reply: every medical reply gets its sources (with year) and the disclaimer.

Composition is the one place those guarantees are made, so neither the Telegram adapter nor
the terminal can forget them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from bot.core import actions
from bot.core.kb import Intent, KnowledgeBase
from bot.core.matcher import Candidate
from bot.core.quality import reviewed_label
from bot.core.reply import Button, Reply, SourceRef
from bot.core.safety import URGENT_INTENT

MENU_BUTTON = Button("☰ Menu", actions.menu("main"))
MAIN_MENU = (
    ("💬 Ask a question", "ask"),
    ("💊 About gabapentin", "gabapentin"),
    ("🌿 Self-care tips", "tips"),
    ("📋 Guidelines", "guidelines"),
    ("🦵 About RLS", "about"),
    ("📚 Sources", "sources"),
)
FEEDBACK_ROW = ("👍 Helpful", "👎 Not helpful")


def source_refs(kb: KnowledgeBase, ids: Iterable[str]) -> tuple[SourceRef, ...]:
    refs = []
    for sid in ids:
        source = kb.sources[sid]
        refs.append(SourceRef(source.id, source.label, source.citation, source.url))
    return tuple(refs)


def rows(buttons: Sequence[Button], per_row: int = 1) -> tuple[tuple[Button, ...], ...]:
    return tuple(tuple(buttons[i:i + per_row]) for i in range(0, len(buttons), per_row))


def reviewed_line(kb: KnowledgeBase, intent: Intent) -> str:
    """"Reviewed Nov 2026" under a medical answer: how fresh the text is, for the reader."""
    if not intent.medical or intent.reviewed is None:
        return ""
    return kb.messages["reviewed"].format(date=reviewed_label(intent.reviewed))


def related_buttons(kb: KnowledgeBase, intent: Intent) -> list[Button]:
    return [Button(kb.intents[r].title, actions.intent("show", r)) for r in intent.related]


def answer(kb: KnowledgeBase, intent: Intent, *, feedback: bool = False,
           extra: Sequence[Button] = ()) -> Reply:
    """The short answer to an intent, with a 'More detail' button when there is more."""
    if intent.id == URGENT_INTENT:
        # First and alone: no menus or follow-ups competing with "call now".
        return Reply("urgent", intent.answer, title="", details=intent.details,
                     sources=source_refs(kb, intent.sources), disclaimer=kb.disclaimer,
                     intent_id=intent.id, reviewed=reviewed_line(kb, intent))
    buttons: list[Button] = []
    if kb.selfcheck is not None and intent.id == kb.selfcheck.offered_by:
        # "Do I have RLS?": the answer's first button starts the self-check.
        buttons.append(Button(kb.selfcheck.labels["start"], actions.selfcheck("")))
    if intent.details:
        buttons.append(Button("More detail", actions.intent("more", intent.id)))
    buttons.extend(related_buttons(kb, intent))
    buttons.extend(extra)
    keyboard = rows(buttons)
    if feedback and intent.medical:  # "Was this helpful?", just above the menu button
        keyboard = (
            *keyboard,
            (Button(FEEDBACK_ROW[0], actions.feedback("up", intent.id)),
             Button(FEEDBACK_ROW[1], actions.feedback("down", intent.id))),
        )
    keyboard = (*keyboard, (MENU_BUTTON,))
    text = intent.answer
    sources = source_refs(kb, intent.sources)
    if intent.id == "sources":
        sources = source_refs(kb, kb.sources)
    return Reply("answer", text, title=intent.title, details=intent.details, sources=sources,
                 disclaimer=kb.disclaimer if intent.medical else "", buttons=keyboard,
                 intent_id=intent.id, reviewed=reviewed_line(kb, intent))


def details(kb: KnowledgeBase, intent: Intent) -> Reply:
    """The longer explanation behind 'More detail'."""
    text = intent.details or intent.answer
    keyboard = (*rows(related_buttons(kb, intent)), (MENU_BUTTON,))
    return Reply("details", text, title=intent.title, sources=source_refs(kb, intent.sources),
                 disclaimer=kb.disclaimer if intent.medical else "", buttons=keyboard,
                 intent_id=intent.id, reviewed=reviewed_line(kb, intent))


def suggest(kb: KnowledgeBase, candidates: Sequence[Candidate]) -> Reply:
    buttons = [Button(kb.intents[c.intent_id].title, actions.intent("pick", c.intent_id))
               for c in candidates]
    return Reply("suggest", kb.messages["suggest"], buttons=(*rows(buttons), (MENU_BUTTON,)))


def main_menu_buttons() -> tuple[tuple[Button, ...], ...]:
    buttons = [Button(label, actions.menu(name)) for label, name in MAIN_MENU]
    return (tuple(buttons[:2]), tuple(buttons[2:4]), tuple(buttons[4:]))


def fallback(kb: KnowledgeBase, message_key: str = "fallback") -> Reply:
    return Reply("fallback", kb.messages[message_key], buttons=main_menu_buttons())


def notice(kb: KnowledgeBase, message_key: str, *, with_menu: bool = True) -> Reply:
    """A fixed message from meta.yml (non-text input, flood, errors, ...)."""
    return Reply("notice", kb.messages[message_key],
                 buttons=main_menu_buttons() if with_menu else ())
