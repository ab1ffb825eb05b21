"""The Telegram application: the one place handlers are registered, and the bot's runner.

``build_application`` is pure wiring (no network until the application is initialised), so
tests build the real thing over a fake transport. ``run_bot`` is the entry point behind
``rls-bot run``: it configures logging so the token cannot leak, checks the token and the
network once with a single ``getMe`` (a bad token or no network is one line on stderr and
exit code 1, not PTB's traceback), then polls or serves the webhook until stopped.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from functools import partial
from typing import Any, TextIO, cast
from urllib.parse import urlsplit

from telegram import BotCommand, BotCommandScopeChat, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    Defaults,
    ExtBot,
    InlineQueryHandler,
    JobQueue,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import BaseRequest, HTTPXRequest

from bot import health
from bot.config import Settings, SettingsError
from bot.core.actions import (
    CuratorAction,
    FeedbackAction,
    MenuAction,
    MissingAction,
    PageAction,
    SelfCheckAction,
    TopicAction,
)
from bot.core.engine import Engine
from bot.core.kb import KnowledgeBase
from bot.handlers import (
    admin,
    curation,
    errors,
    faq,
    feedback,
    guard,
    inline,
    media,
    menus,
    selfcheck,
    start,
    topics,
)
from bot.handlers.common import CONTEXT_TYPES, FOR_BOT, BotData, Context
from bot.inbox import Inbox
from bot.updates import (
    ALLOWED_UPDATES,
    DrainingApplication,
    FairUpdateProcessor,
    Intake,
    IntakeBot,
    IntakeQueue,
)
from bot.usage import Usage

logger = logging.getLogger(__name__)

BotApplication = Application[
    ExtBot[None], Context, dict[Any, Any], dict[Any, Any], BotData, JobQueue[Context]
]

HANDLERS: dict[str, Any] = {
    "start": start.on_start,
    "suggest": curation.on_suggest,
    "stats": admin.on_stats,
    "reload": admin.on_reload,
    "check": selfcheck.on_check,
}
"""The commands of knowledge/menus.yml that need code (``handler: <name>``); every other
command shows a menu, an intent or a message through ``menus.on_command``."""

CAPACITY = 256
"""Updates fetched and not yet answered, at most; while there are this many the bot stops
fetching and the backlog waits at Telegram. Matching takes well under a millisecond, so
this only bounds replies waiting on the network or on Telegram's rate limits."""
CHAT_BACKLOG = 20
WEBHOOK_LOGGER = "telegram.ext._utils.webhookhandler"
"""PTB logs a webhook update it cannot read at CRITICAL, with the whole update (people's
text, names, ids): its records are redacted at every level."""
"""Updates one chat may have waiting for its turn; more are dropped. Telegram lets a bot
send 20 messages a minute to a group, so a 21st waiting mention would be answered more
than a minute late (and would hold room every other chat needs)."""

CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 20.0
"""Seconds to wait for Telegram's answer to a call. A read timeout after Telegram took a
message means a retry shows it twice (no idempotency key in the Bot API): PTB's default of
5 s answered a quarter of users twice when Telegram was slow, while Telegram's own answers
take well under a second. A connect timeout never repeats anything, so it stays short."""
POOL_SIZE = 256

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
OUR_LOGGERS = ("bot.", "rls_bot.")
QUIET_LOGGERS = ("httpx", "httpcore")  # their INFO lines carry request URLs = the token


def build_application(settings: Settings, kb: KnowledgeBase, *,
                      request: BaseRequest | None = None,
                      get_updates_request: BaseRequest | None = None,
                      rate_limiter: bool = True) -> BotApplication:
    """The real application, ready to run; ``request``s replace the HTTP transport (tests)."""
    if not settings.token:
        raise SettingsError("TELEGRAM_BOT_TOKEN is not set (get one from @BotFather)")
    defaults = Defaults(parse_mode=ParseMode.HTML, allow_sending_without_reply=True,
                        link_preview_options=LinkPreviewOptions(is_disabled=True))
    # Every Bot API answer tells the health check the API is reachable, and the metrics.
    status = health.Health(settings.health_api_seconds, intents=lambda: 0)
    request, get_updates_request = health.observe(
        status,
        request or HTTPXRequest(connection_pool_size=POOL_SIZE,
                                connect_timeout=CONNECT_TIMEOUT,
                                read_timeout=READ_TIMEOUT,
                                write_timeout=READ_TIMEOUT,
                                pool_timeout=CONNECT_TIMEOUT),
        get_updates_request or HTTPXRequest(connect_timeout=CONNECT_TIMEOUT,
                                            read_timeout=READ_TIMEOUT))
    bot = IntakeBot(
        token=settings.token,
        base_url=settings.api_base_url,
        base_file_url=settings.api_base_file_url,
        defaults=defaults,
        request=request,
        get_updates_request=get_updates_request,
        # Queues sends under Telegram's limits and retries after RetryAfter.
        rate_limiter=AIORateLimiter(max_retries=3) if rate_limiter else None,  # type: ignore[arg-type]
    )
    intake = Intake(CAPACITY)  # its inbox is opened in post_init, once the token worked
    bot.attach(intake)
    processor = FairUpdateProcessor(CAPACITY, chat_backlog=CHAT_BACKLOG,
                                    retry_deadline=settings.retry_deadline_seconds,
                                    intake=intake)
    builder = (
        ApplicationBuilder()
        .bot(bot)
        .update_queue(IntakeQueue(intake))
        .application_class(DrainingApplication)
        .context_types(CONTEXT_TYPES)
        .concurrent_updates(processor)
        .post_init(post_init)
        .post_shutdown(post_shutdown)
    )
    # The builder's type forgets the JobQueue's context type; it is ours (CONTEXT_TYPES).
    app = cast(BotApplication, builder.build())
    if isinstance(app, DrainingApplication):
        app.shutdown_grace = settings.shutdown_grace_seconds
    services = app.bot_data
    services.intake = intake
    services.apologies = errors.Apologies()
    services.engine = Engine.shared(kb)
    services.health = status
    status.intents = lambda: len(services.engine.kb.intents)
    services.settings = settings
    # Opened in post_init, once Telegram accepted the token.
    services.usage = Usage(settings.store_path,
                           retention_days=settings.suggestion_retention_days)
    services.held = curation.HeldQuestions()
    register_handlers(app, settings, kb)
    return app


def register_handlers(app: BotApplication, settings: Settings, kb: KnowledgeBase) -> None:
    """Order matters: within group 0 the first matching handler wins, so free text is last."""
    # -1: the flood guard sees every update first and may stop it (ApplicationHandlerStop).
    flood = guard.FloodGuard(settings.flood_messages, settings.flood_seconds,
                             exempt=settings.admin_user_ids)
    app.bot_data.flood = flood  # tests reach its clock here
    app.add_handler(TypeHandler(Update, flood.on_update), group=-1)
    # 1. Commands of knowledge/menus.yml, also as /cmd@botname in groups; new messages
    #    only. Admin commands check the user and otherwise act like a command we lack.
    #    (A command added to menus.yml is registered at the next start, not by /reload.)
    for command in kb.commands:
        callback = HANDLERS[command.handler] if command.handler else menus.on_command
        app.add_handler(CommandHandler(command.name, callback,
                                       filters=filters.UpdateType.MESSAGE))
    # 2. Any other command, in a private chat: show the menu instead of silence.
    app.add_handler(MessageHandler(
        filters.UpdateType.MESSAGE & filters.ChatType.PRIVATE & filters.COMMAND,
        menus.on_unknown_command))
    # 3. Inline-keyboard taps: one handler per button family, on the family's own pattern;
    #    whatever no family claims is an old or forged button.
    app.add_handler(CallbackQueryHandler(menus.on_menu_button, pattern=MenuAction.PATTERN))
    app.add_handler(CallbackQueryHandler(menus.on_page_button, pattern=PageAction.PATTERN))
    app.add_handler(CallbackQueryHandler(topics.on_topic_button, pattern=TopicAction.PATTERN))
    app.add_handler(CallbackQueryHandler(feedback.on_feedback_button,
                                         pattern=FeedbackAction.PATTERN))
    # The self-check's taps carry a person's yes/no answers: a handler of its own that
    # neither counts nor logs them.
    app.add_handler(CallbackQueryHandler(selfcheck.on_answer, pattern=SelfCheckAction.PATTERN))
    # Helping the curators: send the held question, "None of these", what was missing.
    app.add_handler(CallbackQueryHandler(curation.on_curator_button,
                                         pattern=CuratorAction.PATTERN))
    app.add_handler(CallbackQueryHandler(curation.on_missing_button,
                                         pattern=MissingAction.PATTERN))
    app.add_handler(CallbackQueryHandler(menus.on_stale_button))
    # 4. Inline mode (@bot question, in any chat).
    app.add_handler(InlineQueryHandler(inline.on_inline))
    # 5. Stickers, photos, voice... sent to the bot.
    app.add_handler(MessageHandler(FOR_BOT & media.NON_TEXT, media.on_non_text))
    # 6. Free text last: questions in private chats, mentions and replies in groups.
    app.add_handler(MessageHandler(FOR_BOT & filters.TEXT & ~filters.COMMAND, faq.on_text))
    app.add_error_handler(errors.on_error)


async def publish_profile(app: BotApplication, kb: KnowledgeBase,
                          admins: frozenset[int]) -> None:
    """Description, short description and command menu, from knowledge/messages: the words
    people see in Telegram's profile are reviewed with the rest. Admin commands are shown
    only in the admins' own chats."""
    commands = [BotCommand(c.name, kb.text(f"commands.{c.name}"))
                for c in kb.commands if not c.admin]
    admin = [BotCommand(c.name, kb.text(f"commands.{c.name}")) for c in kb.commands]
    calls: list[tuple[str, Any]] = [
        ("description", partial(app.bot.set_my_description, kb.text("profile.description"))),
        ("short description", partial(app.bot.set_my_short_description,
                                      kb.text("profile.short_description"))),
        ("command menu", partial(app.bot.set_my_commands, commands)),
        *((f"admin command menu for {admin_id}",
           partial(app.bot.set_my_commands, admin, scope=BotCommandScopeChat(admin_id)))
          for admin_id in sorted(admins)),
    ]
    for what, call in calls:
        try:
            await call()
        except TelegramError as exc:  # cosmetic: the bot works without them
            logger.warning("could not publish the %s: %s", what, exc)


async def post_init(app: BotApplication) -> None:
    """Runs once after ``getMe``: publish the profile and commands, open the store and the
    inbox (replaying what the last run left unanswered), start the apologies and the
    health checks."""
    services = app.bot_data
    await publish_profile(app, services.engine.kb, services.settings.admin_user_ids)
    logger.info("connected as @%s", app.bot.username)
    await services.usage.start()
    await open_inbox(app, services.settings)
    # A plain task: PTB's create_task warns before the application is running.
    services.apology_task = asyncio.get_running_loop().create_task(
        services.apologies.run(app.bot, lambda: services.engine.kb.text("error")),
        name="apologies")
    if services.install_signals:
        install_reload_signal(app)
    services.operations = await health.start_operations(
        services.health, services.settings, app.bot, app.updater,
        webhook=services.serving_webhook)


async def open_inbox(app: BotApplication, settings: Settings) -> None:
    """Open the inbox and queue what the last run left unanswered, before any new update."""
    intake = app.bot_data.intake
    if settings.inbox_path is None:
        return
    intake.inbox = await asyncio.to_thread(Inbox, settings.inbox_path)
    left = intake.replay(app.bot)
    for update in left:
        app.update_queue.put_nowait(update)  # already kept: not through IntakeQueue.put
    logger.info("inbox %s ready; %d unanswered update(s) from the last run", intake.inbox.path,
                len(left))


async def post_shutdown(app: BotApplication) -> None:
    """After the last update is handled (SIGTERM, Ctrl+C): write the counts, close the
    files; what is still in the inbox is handed back to the next start."""
    services = app.bot_data
    if services.operations is not None:
        services.operations.stop()
        services.operations = None
    await services.usage.stop()
    if services.apology_task is not None:
        services.apology_task.cancel()
        services.apology_task = None
    intake = services.intake
    if intake.inbox is not None:
        left = len(intake.inbox)
        intake.inbox.close()
        intake.inbox = None
        logger.info("inbox closed; %d update(s) handed back to the next start", left)


def install_reload_signal(app: BotApplication) -> None:
    """SIGHUP (``systemctl reload``, ``kill -HUP``) reloads the knowledge base."""
    loop = asyncio.get_running_loop()

    pending: set[asyncio.Task[object]] = set()  # keep a reference until the task is done

    def on_hup() -> None:
        task = loop.create_task(admin.reload_knowledge(app.bot_data), name="reload")
        pending.add(task)
        task.add_done_callback(pending.discard)

    try:
        loop.add_signal_handler(signal.SIGHUP, on_hup)
    except (NotImplementedError, RuntimeError, AttributeError):  # not on this platform
        logger.info("SIGHUP reload is not available on this platform")

# --------------------------------------------------------------------------- running


class RedactingFormatter(logging.Formatter):
    """Replaces secrets anywhere in a formatted record, tracebacks included.

    Belt and braces: httpx is already quiet, but PTB itself puts the token into the
    message of the InvalidToken it raises, and a traceback would print it.
    """

    def __init__(self, secrets: dict[str, str], fmt: str = LOG_FORMAT) -> None:
        super().__init__(fmt)
        self.secrets = {s: mask for s, mask in secrets.items() if s}

    def format(self, record: logging.LogRecord) -> str:
        if (record.levelno < logging.INFO and not record.name.startswith(OUR_LOGGERS)) or (
                record.name == WEBHOOK_LOGGER):
            record = redacted(record)
        text = super().format(record)
        for secret, mask in self.secrets.items():
            text = text.replace(secret, mask)
        return text


def redacted(record: logging.LogRecord) -> logging.LogRecord:
    """A library's DEBUG record without its arguments: PTB logs whole updates and request
    parameters (people's text, names, ids) at DEBUG. The wording up to the first argument
    stays, so the log still shows what the library was doing."""
    copy = logging.makeLogRecord(record.__dict__)
    head = str(record.msg).split("%", 1)[0].split("{", 1)[0].rstrip(" :=")
    copy.msg = f"{head} [details redacted]" if record.args or head != record.msg else head
    copy.args = None
    copy.exc_info, copy.exc_text = None, None
    return copy


def configure_logging(settings: Settings, stream: TextIO | None = None) -> None:
    """Entry-point logging: our level, quiet HTTP loggers, the token masked everywhere."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(RedactingFormatter({settings.token or "": settings.masked_token}))
    logging.basicConfig(level=settings.log_level, handlers=[handler])  # no-op if configured
    logging.getLogger().setLevel(settings.log_level)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


def _one_line(exc: BaseException, settings: Settings) -> str:
    """An exception as one short line, the underlying cause if there is one, token masked."""
    cause = exc.__cause__ or exc
    text = f"{type(cause).__name__}: {cause}" if str(cause) else type(cause).__name__
    if settings.token:
        text = text.replace(settings.token, settings.masked_token)
    return " ".join(text.split())


async def check_connection(app: BotApplication, settings: Settings) -> str | None:
    """One ``getMe`` before PTB's run loop; a one-line problem for the person, or None."""
    try:
        async with app.bot:
            pass
    except InvalidToken:
        return (f"rls-bot: Telegram rejected the token {settings.masked_token}. Check "
                "TELEGRAM_BOT_TOKEN: @BotFather shows your bot's token (/mybots).")
    except NetworkError as exc:  # includes TimedOut
        host = urlsplit(settings.api_base_url).netloc
        return (f"rls-bot: cannot reach the Telegram Bot API at {host} "
                f"({_one_line(exc, settings)}). Check the network or TELEGRAM_API_BASE_URL.")
    except TelegramError as exc:
        return f"rls-bot: Telegram refused to start the bot: {_one_line(exc, settings)}"
    except (TypeError, ValueError, KeyError) as exc:  # an answer PTB cannot parse
        host = urlsplit(settings.api_base_url).netloc
        return (f"rls-bot: the server at {host} does not answer like the Telegram Bot API "
                f"({_one_line(exc, settings)}). Check TELEGRAM_API_BASE_URL.")
    return None


def _serve(app: BotApplication, settings: Settings, webhook: bool) -> None:
    if not webhook:
        logger.info("starting long polling (Ctrl+C stops)")
        app.run_polling(allowed_updates=list(ALLOWED_UPDATES))
        return
    if not settings.webhook_secret:
        logger.warning("WEBHOOK_SECRET_TOKEN is not set: anyone who finds the webhook URL "
                       "can post fake updates")
    app.bot_data.serving_webhook = True  # post_init adds GET /healthz to its server
    keep_webhook_updates(app)
    logger.info("serving the webhook on %s:%s/%s", settings.webhook_listen,
                settings.webhook_port, settings.webhook_path)
    app.run_webhook(listen=settings.webhook_listen, port=settings.webhook_port,
                    url_path=settings.webhook_path, webhook_url=settings.webhook_url,
                    secret_token=settings.webhook_secret,
                    allowed_updates=list(ALLOWED_UPDATES))


def keep_webhook_updates(app: BotApplication) -> None:
    """Serving a webhook: keep each update in the inbox before Telegram gets its 200."""
    if isinstance(app.update_queue, IntakeQueue):
        app.update_queue.webhook = True


def run_bot(settings: Settings, kb: KnowledgeBase, webhook: bool = False, *,
            request: BaseRequest | None = None, stderr: TextIO | None = None) -> int:
    """Run until Ctrl+C / SIGTERM; the exit code for ``rls-bot run``."""
    err = stderr or sys.stderr
    configure_logging(settings)
    if webhook and not settings.webhook_url:
        print("rls-bot: --webhook needs WEBHOOK_URL=https://... (the public URL Telegram "
              "posts to; see .env.example)", file=err)
        return 1
    try:
        app = build_application(settings, kb, request=request, get_updates_request=request)
    except SettingsError as exc:
        print(f"rls-bot: {exc}", file=err)
        return 1
    if hasattr(signal, "SIGHUP"):  # a reload before we are ready must not kill the bot
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
    problem = asyncio.run(check_connection(app, settings))
    if problem:
        print(problem, file=err)
        return 1
    app.bot_data.install_signals = True
    asyncio.set_event_loop(asyncio.new_event_loop())  # PTB runs (and closes) this loop
    try:
        _serve(app, settings, webhook)
    except (TelegramError, OSError) as exc:
        print(f"rls-bot: stopped: {_one_line(exc, settings)}", file=err)
        return 1
    finally:
        asyncio.set_event_loop(None)
    return 0
