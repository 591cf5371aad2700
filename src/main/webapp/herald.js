/*
 * herald.js: a small client for Herald's event streams, with no dependencies. See docs/client.md.
 *
 * EventSource hides the HTTP status and cannot send headers, so this client reads the stream with fetch and
 * parses it itself, with EventSource's event semantics (https://html.spec.whatwg.org/#event-stream-interpretation).
 * That lets it send a token, say why a connection was refused, back off on 429 and 5xx, ask for a fresh token
 * on 401, resume with Last-Event-ID and notice a stream that went silent.
 *
 *   const herald = new HeraldClient('/herald/api/events', { topics: ['orders'], onReset: reload });
 *   herald.addEventListener('order-shipped', e => show(JSON.parse(e.data)));
 */
(function (global) {
  'use strict';

  const STATES = ['connecting', 'open', 'reconnecting', 'closed'];
  const MAX_BACKOFF_MS = 60000; // beyond a minute a user is better served by a reload than by a faster retry
  const MAX_EVENT_CHARS = 4 * 1024 * 1024; // an event larger than this is not Herald's: drop the connection

  /** The wire format, fed with text as it arrives; calls onEvent({type, data, id}) and onRetry(ms). */
  class EventStreamParser {
    constructor(onEvent, onRetry) {
      this.onEvent = onEvent;
      this.onRetry = onRetry;
      this.buffer = '';
      this.skipLineFeed = false; // a CR ended the last chunk: a LF at the start of the next one belongs to it
      this.data = [];
      this.dataChars = 0;
      this.type = '';
      this.lastEventId = ''; // kept across events, as the standard's last event ID buffer
    }

    feed(text) {
      this.buffer += text;
      let start = 0;
      if (this.skipLineFeed && this.buffer[0] === '\n') { start = 1; }
      this.skipLineFeed = false;
      for (;;) {
        const cr = this.buffer.indexOf('\r', start);
        const lf = this.buffer.indexOf('\n', start);
        const end = cr < 0 ? lf : lf < 0 ? cr : Math.min(cr, lf);
        if (end < 0) { break; }
        this.line(this.buffer.slice(start, end));
        if (this.buffer[end] === '\r') {
          if (end + 1 === this.buffer.length) { this.skipLineFeed = true; }
          else if (this.buffer[end + 1] === '\n') { start = end + 2; continue; }
        }
        start = end + 1;
      }
      this.buffer = this.buffer.slice(start);
      if (this.buffer.length + this.dataChars > MAX_EVENT_CHARS) { throw new Error('event larger than ' + MAX_EVENT_CHARS); }
    }

    line(line) {
      if (line === '') { this.dispatch(); return; }
      if (line[0] === ':') { return; }
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? '' : line.slice(colon + 1);
      if (value[0] === ' ') { value = value.slice(1); }
      if (field === 'data') { this.data.push(value); this.dataChars += value.length + 1; }
      else if (field === 'event') { this.type = value; }
      else if (field === 'id') { if (!value.includes('\0')) { this.lastEventId = value; } }
      else if (field === 'retry') { if (/^[0-9]+$/.test(value)) { this.onRetry(parseInt(value, 10)); } }
    }

    dispatch() {
      const event = { type: this.type || 'message', data: this.data.join('\n'), id: this.lastEventId };
      const hasData = this.data.length > 0;
      this.data = [];
      this.dataChars = 0;
      this.type = '';
      if (hasData) { this.onEvent(event); }
    }
  }

  /** Why a connection ended or was refused, for the application and for people. */
  class Refusal {
    constructor(status, error, detail) {
      this.status = status;  // the HTTP status, or 0 when no answer came (network error, silent stream)
      this.error = error;    // Herald's error code, e.g. "token_expired", "too_many_connections"
      this.detail = detail;  // one sentence for people
    }

    toString() {
      return (this.status ? this.status + ' ' : '') + this.error + (this.detail ? ': ' + this.detail : '');
    }
  }

  /**
   * One logical stream that stays connected: it reconnects by itself and resumes where it left off.
   * Events are dispatched as MessageEvents named after their SSE type (`data`, `lastEventId`, and `replayed`:
   * true for events of a catch-up, before `ready`). The `statechange` event carries `detail`
   * {state, reason, retryAt}.
   */
  class HeraldClient extends EventTarget {
    /**
     * @param url the stream's URL, e.g. '/herald/api/events'
     * @param options
     *   topics: array of topic names; envelope: true for {topic, data} payloads;
     *   lastEventId: resume after this id; token: a JWT sent as a Bearer header;
     *   getToken: async () => a fresh token, called on 401 (and before the first connection when no token);
     *   onReset(data): the server could not resume from lastEventId, reload your state;
     *   onEvent(event): called with every event, whatever its type (addEventListener needs the type's name);
     *   heartbeatSeconds: the server's herald.heartbeat.seconds (15): reconnect after twice that in silence;
     *   retryMs: the delay before a reconnection until the server sends its own (3000)
     */
    constructor(url, options = {}) {
      super();
      this.url = url;
      this.topics = [...(options.topics || [])];
      this.envelope = options.envelope === true;
      this.lastEventId = options.lastEventId || '';
      this.token = options.token || '';
      this.getToken = options.getToken || null;
      this.onReset = options.onReset || null;
      this.onEvent = options.onEvent || null;
      this.silenceMs = 2000 * (options.heartbeatSeconds || 15);
      this.retryMs = options.retryMs || 3000;
      this.state = 'connecting';
      this.reason = null;
      this.retryAt = 0;
      this.failures = 0;
      this.controller = null;
      this.timer = null;
      this.stopped = false;
      this.everOpened = false;
      this.askedForToken = false;
      // like EventSource: connect once the caller's script has run, so its listeners see 'connecting'
      queueMicrotask(() => { if (!this.stopped && !this.controller) { this.connect(); } });
    }

    /** Listens to other topics from now on: reconnects at once with the new set, carrying the last event id. */
    setTopics(topics) {
      this.topics = [...topics];
      this.restart();
    }

    /** Uses this token from the next connection on (and reconnects now when the last one was refused). */
    setToken(token) {
      this.token = token || '';
      if (this.state === 'closed' && !this.stopped) { this.restart(); }
    }

    /** Ends the stream for good. */
    close() {
      this.stopped = true;
      this.abort();
      this.setState('closed', new Refusal(0, 'closed', 'closed by the application'), 0);
    }

    restart() {
      this.abort();
      this.failures = 0;
      this.connect();
    }

    abort() {
      clearTimeout(this.timer);
      this.timer = null;
      if (this.controller) { this.controller.abort(); this.controller = null; }
    }

    setState(state, reason, retryAt) {
      this.state = state;
      this.reason = reason || null;
      this.retryAt = retryAt || 0;
      this.dispatchEvent(new CustomEvent('statechange', { detail: { state, reason: this.reason, retryAt: this.retryAt } }));
    }

    streamUrl() {
      const query = new URLSearchParams();
      for (const topic of this.topics) { query.append('topic', topic); }
      if (this.envelope) { query.set('envelope', 'true'); }
      const text = query.toString();
      return text ? this.url + (this.url.includes('?') ? '&' : '?') + text : this.url;
    }

    async connect() {
      const controller = new AbortController();
      this.controller = controller;
      this.setState(this.everOpened ? 'reconnecting' : 'connecting', this.reason, 0);
      try {
        if (!this.token && this.getToken && !this.askedForToken) {
          this.askedForToken = true;
          this.token = (await this.getToken()) || '';
        }
        const headers = { Accept: 'text/event-stream' };
        if (this.token) { headers.Authorization = 'Bearer ' + this.token; }
        if (this.lastEventId) { headers['Last-Event-ID'] = this.lastEventId; }
        this.watch(controller);
        const response = await fetch(this.streamUrl(), { headers, cache: 'no-store', credentials: 'same-origin', signal: controller.signal });
        if (controller !== this.controller) { return; }
        if (!response.ok) { await this.refused(response); return; }
        if (!(response.headers.get('Content-Type') || '').startsWith('text/event-stream')) {
          this.stop(new Refusal(response.status, 'not_an_event_stream', 'the answer was ' + response.headers.get('Content-Type')));
          return;
        }
        await this.read(response, controller);
        if (controller === this.controller) { this.retry(new Refusal(0, 'stream_ended', 'the server ended the stream'), this.retryMs); }
      } catch (error) {
        if (controller !== this.controller) { return; }
        const silent = controller.signal.aborted;
        this.retry(new Refusal(0, silent ? 'silent' : 'network_error',
          silent ? 'nothing arrived for ' + this.silenceMs / 1000 + ' s' : String(error.message || error)), this.backoff());
      }
    }

    /** Aborts the connection when no byte arrives for twice the heartbeat interval. */
    watch(controller) {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => { if (controller === this.controller) { controller.abort(); } }, this.silenceMs);
    }

    async read(response, controller) {
      let replaying = true;
      const parser = new EventStreamParser(event => {
        if (event.type === 'ready') { replaying = false; }
        if (event.type === 'reset' && this.onReset) { this.onReset(JSON.parse(event.data)); }
        this.emit(event, replaying && event.type !== 'welcome' && event.type !== 'reset');
      }, ms => { this.retryMs = ms; });
      this.failures = 0;
      this.everOpened = true;
      this.setState('open', null, 0);
      const reader = response.body.getReader();
      const decoder = new TextDecoder('utf-8');
      let first = true;
      for (;;) {
        const { value, done } = await reader.read();
        if (controller !== this.controller) { reader.cancel().catch(() => {}); return; }
        if (done) { return; }
        this.watch(controller);
        let text = decoder.decode(value, { stream: true });
        if (first && text.length) { text = text.replace(/^\uFEFF/, ''); first = false; }
        parser.feed(text);
      }
    }

    emit(event, replayed) {
      if (event.id) { this.lastEventId = event.id; }
      const message = new MessageEvent(event.type, { data: event.data, lastEventId: event.id, origin: location.origin });
      Object.defineProperty(message, 'replayed', { value: replayed });
      if (this.onEvent) { this.onEvent(message); }
      this.dispatchEvent(message);
    }

    async refused(response) {
      let error = 'http_' + response.status;
      let detail = response.statusText;
      try {
        const body = await response.json();
        error = body.error || error;
        detail = body.detail || detail;
      } catch (e) {
        // not Herald's JSON (a proxy's page): the status says enough
      }
      const reason = new Refusal(response.status, error, detail);
      const status = response.status;
      if (status === 401 && this.getToken && this.failures < 2) {
        this.failures++;
        try { this.token = (await this.getToken()) || ''; } catch (e) { this.stop(reason); return; }
        if (this.token) { this.retry(reason, 0); return; }
      }
      if (status === 429 || status >= 500) {
        const after = parseInt(response.headers.get('Retry-After') || '', 10);
        this.retry(reason, Math.max(this.backoff(), Number.isFinite(after) ? after * 1000 : 0));
        return;
      }
      this.stop(reason); // 400, 401 without a fresh token, 403: asking again will not help
    }

    stop(reason) {
      this.abort();
      this.setState('closed', reason, 0);
    }

    /** Exponential from the server's retry delay, capped, with jitter so that many clients do not return together. */
    backoff() {
      this.failures++;
      const ceiling = Math.min(MAX_BACKOFF_MS, this.retryMs * Math.pow(2, this.failures - 1));
      return Math.round(ceiling * (0.5 + Math.random() / 2));
    }

    retry(reason, delayMs) {
      this.abort();
      if (this.stopped) { return; }
      const controller = new AbortController();
      this.controller = controller;
      this.setState('reconnecting', reason, Date.now() + delayMs);
      this.timer = setTimeout(() => { if (controller === this.controller) { this.connect(); } }, delayMs);
    }
  }

  HeraldClient.STATES = STATES;
  HeraldClient.EventStreamParser = EventStreamParser;
  global.HeraldClient = HeraldClient;
})(typeof window !== 'undefined' ? window : globalThis);
