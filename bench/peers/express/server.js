// The SSE design of the article "An intro to server sent events" (Express, an array of clients, a plain write
// loop), kept as plain as the article so that Herald's benchmark compares with what that design costs.
// Additions, each needed to run it under load: integer ids and a bounded history for Last-Event-ID catch-up,
// a bound on what may wait for one client, and Node's request timeouts set so that streams stay open.
//
//   node server.js [--port 3000] [--join] [--history 10000] [--heartbeat 0] [--max-pending-kib 4096]
'use strict';

const crypto = require('node:crypto');
const { parseArgs } = require('node:util');
const express = require('express');

const HOST = '127.0.0.1';

const { values: options } = parseArgs({
    options: {
        port: { type: 'string', default: process.env.PORT || '3000' },
        // The article sends a `join` to every client on every connect. With 19,000 subscribers connecting that
        // is 19,000 x 19,000 / 2 = 180 million writes, and the benchmark would measure nothing else: off unless asked.
        join: { type: 'boolean', default: false },
        // Same as Herald's herald.history.size: how many events a reconnecting client can catch up on.
        history: { type: 'string', default: '10000' },
        // The article sends none; Herald sends a comment every 15 s. 0 = none.
        heartbeat: { type: 'string', default: '0' },
        // A client that stops reading is dropped once this much waits for it, as Herald drops one 1,000 events
        // behind; large enough that a full 10,000-event catch-up of small events still fits.
        'max-pending-kib': { type: 'string', default: '4096' },
    },
});

const port = positiveInt('port', options.port);
const historySize = positiveInt('history', options.history);
const heartbeatSeconds = nonNegativeInt('heartbeat', options.heartbeat);
const maxPendingBytes = positiveInt('max-pending-kib', options['max-pending-kib']) * 1024;
const retryMs = 3000;
// The largest publish body, as Herald's herald.event.max-bytes and the Nchan peer's client_max_body_size.
const maxBodyBytes = 64 * 1024;
// The process may open 20,000 files; refusing connections just below that is clearer than running out of
// descriptors (19,000 subscribers, a few publishers, and Node's own files fit).
const maxConnections = 19900;

let clients = [];
let nextId = 1;
// The last `historySize` events, oldest first: { id, frame }. Ids are consecutive integers, so the event after
// id N sits at index N - history[0].id + 1.
const history = [];

const app = express();
app.disable('x-powered-by');
app.disable('etag');

app.get('/events', (req, res) => {
    res.writeHead(200, {
        'Content-Type': 'text/event-stream',
        'Connection': 'keep-alive',
        'Cache-Control': 'no-cache',
    });
    res.flushHeaders();
    res.write(`retry: ${retryMs}\n\n`);

    const client = { id: crypto.randomBytes(8).toString('base64url').slice(0, 10), res };
    const catchUp = eventsAfter(req.get('Last-Event-ID'));
    if (catchUp.length > 0) {
        res.write(catchUp.join(''));
    }
    if (options.join) {
        // Like the article, every client hears of every connect; the join carries no id so that it is not
        // taken for a position in the history when the browser reconnects.
        sendToAll(`event: join\ndata: ${JSON.stringify({ id: client.id })}\n\n`);
    }
    clients.push(client);

    req.on('close', () => {
        // The article's filter: linear per disconnect, kept because it is the design being measured.
        clients = clients.filter(c => c.id !== client.id);
    });
});

app.post('/events', express.json({ limit: maxBodyBytes, strict: false }), (req, res) => {
    const body = req.body;
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
        return res.status(400).json({ error: 'invalid_body', detail: 'the body must be a JSON object' });
    }
    if (!('data' in body)) {
        return res.status(400).json({ error: 'missing_data', detail: "the body needs a 'data' field" });
    }
    const type = body.type === undefined ? 'message' : body.type;
    // A CR or LF in the type would let a publisher write its own SSE fields.
    if (typeof type !== 'string' || !/^[A-Za-z0-9._:\/-]{1,128}$/.test(type)) {
        return res.status(400).json({ error: 'invalid_type', detail: "'type' must be 1-128 of A-Z a-z 0-9 . _ : / -" });
    }

    const id = nextId++;
    const frame = `id: ${id}\nevent: ${type}\ndata: ${JSON.stringify(body.data)}\n\n`;
    history.push({ id, frame });
    if (history.length > historySize) {
        history.shift();
    }
    sendToAll(frame);
    res.status(202).json({ id: String(id) });
});

app.use((err, req, res, next) => {
    if (res.headersSent) {
        return next(err);
    }
    if (err.type === 'entity.too.large') {
        return res.status(413).json({ error: 'body_too_large', detail: `the body is over ${maxBodyBytes} bytes` });
    }
    if (err.type === 'entity.parse.failed') {
        return res.status(400).json({ error: 'malformed_json', detail: 'the body is not JSON' });
    }
    return next(err);
});

function sendToAll(frame) {
    for (const c of clients) {
        if (c.res.writableLength > maxPendingBytes) {
            c.res.destroy();
            continue;
        }
        c.res.write(frame);
    }
}

// The frames of the kept events after `lastEventId`; none for an id that is not one of ours.
function eventsAfter(lastEventId) {
    if (lastEventId === undefined || !/^\d{1,15}$/.test(lastEventId) || history.length === 0) {
        return [];
    }
    const start = Math.max(0, Number(lastEventId) - history[0].id + 1);
    return history.slice(start).map(e => e.frame);
}

function sendHeartbeat() {
    sendToAll(': heartbeat\n\n');
}

function positiveInt(name, text) {
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1) {
        fail(`--${name} must be a whole number above 0, not '${text}'`);
    }
    return n;
}

function nonNegativeInt(name, text) {
    const n = Number(text);
    if (!Number.isInteger(n) || n < 0) {
        fail(`--${name} must be a whole number, not '${text}'`);
    }
    return n;
}

function fail(message) {
    console.error(message);
    process.exit(2);
}

const server = app.listen(port, HOST, err => {
    if (err) {
        fail(`cannot listen on ${HOST}:${port}: ${err.message}`);
    }
    console.log(`express peer on http://${HOST}:${port}/events (join ${options.join ? 'on' : 'off'}, ` +
        `history ${historySize}, heartbeat ${heartbeatSeconds || 'off'}, pid ${process.pid})`);
});
server.maxConnections = maxConnections;
// Node 18+ closes a request whose headers or body take too long; an SSE GET is complete once its headers are
// in, so these never touch an open stream, but a publisher that stalls mid-body is cut after 30 s.
server.headersTimeout = 30_000;
server.requestTimeout = 30_000;
// No idle timeout on sockets: an SSE stream is idle between events by design.
server.setTimeout(0);

const heartbeat = heartbeatSeconds > 0 ? setInterval(sendHeartbeat, heartbeatSeconds * 1000) : null;

function shutDown(signal) {
    console.log(`${signal}: closing ${clients.length} streams`);
    if (heartbeat) {
        clearInterval(heartbeat);
    }
    server.close(() => process.exit(0));
    for (const c of clients) {
        c.res.end();
    }
    clients = [];
    server.closeAllConnections();
}
process.on('SIGTERM', shutDown);
process.on('SIGINT', shutDown);
