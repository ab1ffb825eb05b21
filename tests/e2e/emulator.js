#!/usr/bin/env node
// Starts the third-party Telegram Bot API emulator `telegram-test-api` (npm, MIT; installed
// by `npm ci --prefix tests/e2e`) on 127.0.0.1 for the end-to-end tests in this folder.
//
//   node tests/e2e/emulator.js --port 9000 [--raw]
//
// Prints "READY <port>" once it listens; stops on SIGTERM / SIGINT or when stdin closes
// (so it cannot outlive the test run that started it).
//
// The emulator keeps the queues of the bot and of the emulated users and serves its client
// API (POST /sendMessage, /sendCallback, /getUpdates, /getUpdatesHistory). Version 4.2.1 (the
// latest) answers a few Bot API methods in shapes that python-telegram-bot 22 cannot parse
// and that contradict the Bot API reference; no option of the emulator changes them. Unless
// --raw is given, COMPAT below repairs exactly those response bodies, through the emulator's
// own response hook (the sendResult middleware); requests, queues and the client API stay
// the emulator's. test_emulator.py::test_raw_emulator_gaps checks every gap is still there,
// so a fixed upstream release makes that test fail and this shim can shrink.
'use strict';

const sendResultModule = require('telegram-test-api/lib/modules/sendResult');
const TelegramServer = require('telegram-test-api'); // as its README does

const args = process.argv.slice(2);
const portArg = args.indexOf('--port');
const port = portArg >= 0 ? Number(args[portArg + 1]) : NaN;
const raw = args.includes('--raw');
if (!Number.isInteger(port) || port <= 0 || port > 65535) {
  process.stderr.write('usage: emulator.js --port N [--raw]\n');
  process.exit(2);
}

const BOT_USER = { id: 666, is_bot: true, first_name: 'Test First name', username: 'TestNameBot' };
let server = null;

// A stored bot message as the Bot API's Message: the emulator echoes every request
// parameter, some still JSON-encoded strings (link_preview_options, reply_parameters),
// and dates it in milliseconds.
function asMessage(stored) {
  const message = {
    message_id: stored.message_id,
    date: stored.date > 1e11 ? Math.floor(stored.date / 1000) : stored.date,
    chat: stored.chat,
    from: BOT_USER,
    text: stored.text,
  };
  if (stored.reply_markup && typeof stored.reply_markup === 'object'
      && 'inline_keyboard' in stored.reply_markup) {
    message.reply_markup = stored.reply_markup;
  }
  return message;
}

function editedMessage(body) {
  const found = server.storage.botMessages.find((u) => (
    String(u.messageId) === String(body.message_id)
    && String(u.message.chat_id) === String(body.chat_id)));
  if (!found) {
    return true; // what the Bot API returns for inline messages; PTB accepts it
  }
  return asMessage({
    ...found.message,
    message_id: found.messageId,
    date: found.time,
    chat: { id: Number(found.message.chat_id), type: 'private' },
  });
}

const COMPAT = {
  // 4.2.1 leaves out is_bot, a required field of User (PTB: TypeError in getMe).
  getMe: (result) => ({ ...result, is_bot: true }),
  // The echoed request (see asMessage): PTB fails on the date and on the string fields.
  sendMessage: (result) => asMessage(result),
  // 4.2.1 answers null; the Bot API answers the edited Message (PTB: AttributeError).
  editMessageText: (result, req) => result ?? editedMessage(req.body),
  editMessageReplyMarkup: (result, req) => result ?? editedMessage(req.body),
  // 4.2.1 answers null; the Bot API answers True.
  answerCallbackQuery: (result) => result ?? true,
  // 4.2.1 leaves out chat_instance, a required field of CallbackQuery (PTB: TypeError).
  getUpdates: (result) => result.map((update) => (
    update.callback_query && update.callback_query.chat_instance === undefined
      ? {
        ...update,
        callback_query: {
          ...update.callback_query,
          chat_instance: String(update.callback_query.message?.chat?.id ?? 0),
        },
      }
      : update)),
};

if (!raw) {
  const original = sendResultModule.sendResult;
  sendResultModule.sendResult = (req, res, next) => original(req, res, () => {
    const send = res.sendResult;
    const match = /^\/bot[^/]+\/(\w+)$/.exec(req.path);
    const fix = match && COMPAT[match[1]];
    if (fix) {
      res.sendResult = (payload) => {
        if (payload && payload.ok === true && typeof payload.then !== 'function') {
          return send({ ...payload, result: fix(payload.result, req) });
        }
        return send(payload);
      };
    }
    next();
  });
}

async function main() {
  server = new TelegramServer({ port, host: '127.0.0.1', storeTimeout: 600 });
  await server.start();
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    try {
      await Promise.race([server.stop(), new Promise((resolve) => { setTimeout(resolve, 2000); })]);
    } finally {
      process.exit(0);
    }
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.stdin.on('end', stop);
  process.stdin.on('error', stop);
  process.stdin.resume();
  process.stdout.write(`READY ${port}${raw ? ' raw' : ''}\n`);
}

main().catch((error) => {
  process.stderr.write(`emulator failed to start: ${error && error.stack ? error.stack : error}\n`);
  process.exit(1);
});
