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
  const REMEMBERED_IDS = 1000; // ids dispatched, to drop a retained event that arrives twice; as many as a stream's retained

  /**
   * The wire format, fed with text as it arrives; calls onEvent({type, data, id, ownId}) and onRetry(ms). `ownId`:
   * the event had an id: line of its own (without one, `id` is the last id, as EventSource reports it).
   */
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
      this.ownId = false;
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
      else if (field === 'id') { if (!value.includes('\0')) { this.lastEventId = value; this.ownId = true; } }
      else if (field === 'retry') { if (/^[0-9]+$/.test(value)) { this.onRetry(parseInt(value, 10)); } }
    }

    dispatch() {
      const event = { type: this.type || 'message', data: this.data.join('\n'), id: this.lastEventId, ownId: this.ownId };
      const hasData = this.data.length > 0;
      this.data = [];
      this.dataChars = 0;
      this.type = '';
      this.ownId = false;
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
   * The answer of GET /api/retained, [{"id","topic","type","data"}], with each event's data kept as the text the
   * server sent, as a stream's events are (JSON.parse would lose the digits of large numbers). Herald writes ids,
   * topics and types without escapes, and data as compact JSON: the value ends at the '}' that closes its element.
   */
  function retainedEvents(text) {
    const head = /\{"id":"([^"]*)","topic":"([^"]*)","type":"([^"]*)","data":/y;
    const events = [];
    let at = text.indexOf('[') + 1;
    while (at > 0 && at < text.length && text[at] !== ']') {
      if (text[at] === ',') { at++; }
      head.lastIndex = at;
      const match = head.exec(text);
      if (!match) { throw new Error('not a list of retained events'); }
      let end = head.lastIndex;
      for (let depth = 0, inString = false; end < text.length; end++) {
        const c = text[end];
        if (inString) { if (c === '\\') { end++; } else if (c === '"') { inString = false; } }
        else if (c === '"') { inString = true; }
        else if (c === '{' || c === '[') { depth++; }
        else if (c === '}' || c === ']') { if (depth === 0) { break; } depth--; }
      }
      events.push({ id: match[1], topic: match[2], type: match[3], data: text.slice(head.lastIndex, end) });
      at = end + 1;
    }
    return events;
  }

  /**
   * One logical stream that stays connected: it reconnects by itself and resumes where it left off.
   * Events are dispatched as MessageEvents named after their SSE type (`data`, `lastEventId`, `replayed`: true for
   * events of a catch-up, before `ready`, and `retained`: true for a topic's retained event, which a stream opened
   * without Last-Event-ID or reset gets before `ready`, and which setTopics fetches for the topics it adds). An
   * event whose id was dispatched already (a retained event fetched and then caught up with) is dropped. The
   * `statechange` event carries `detail` {state, reason, retryAt}; `retainederror` one with `detail` {reason}
   * when setTopics could not fetch retained events.
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
     *   retryMs: the delay before a reconnection until the server sends its own (3000);
     *   retainedUrl: where setTopics fetches retained events ('/api/retained' next to url)
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
      this.retainedUrl = options.retainedUrl || this.url.replace(/events(\?.*)?$/, 'retained');
      this.dispatched = new Set(); // ids of events dispatched, oldest first, at most REMEMBERED_IDS
      this.topicChanges = 0;
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

    /**
     * Listens to other topics from now on: reconnects with the new set, carrying the last event id. A stream that
     * resumes does not bring retained events, so those of the added topics are fetched first (GET /api/retained),
     * then the stream catches up on all its topics from where it was.
     */
    setTopics(topics) {
      const added = topics.filter(topic => !this.topics.includes(topic) && !topic.startsWith('$'));
      this.topics = [...topics];
      const change = ++this.topicChanges;
      if (!added.length || !this.lastEventId) { this.restart(); return; } // a stream without an id gets them itself
      this.fetchRetained(added).finally(() => {
        if (change === this.topicChanges && !this.stopped) { this.restart(); }
      });
    }

    async fetchRetained(topics) {
      const query = new URLSearchParams();
      for (const topic of topics) { query.append('topic', topic); }
      const headers = { Accept: 'application/json' };
      if (this.token) { headers.Authorization = 'Bearer ' + this.token; }
      try {
        const response = await fetch(this.retainedUrl + '?' + query, { headers, cache: 'no-store', credentials: 'same-origin' });
        if (!response.ok) {
          let body = {};
          try { body = await response.json(); } catch (e) { /* not Herald's JSON: the status says enough */ }
          throw new Refusal(response.status, body.error || 'http_' + response.status, body.detail || response.statusText);
        }
        for (const event of retainedEvents(await response.text())) {
          if (!this.topics.includes(event.topic) || this.stopped) { continue; } // dropped meanwhile
          const data = this.envelope ? '{"topic":"' + event.topic + '","data":' + event.data + '}' : event.data;
          this.emit({ type: event.type, data, id: event.id, ownId: true }, false, true);
        }
      } catch (error) {
        const reason = error instanceof Refusal ? error : new Refusal(0, 'network_error', String(error.message || error));
        this.dispatchEvent(new CustomEvent('retainederror', { detail: { reason } }));
      }
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
        const resuming = !!this.lastEventId;
        if (resuming) { headers['Last-Event-ID'] = this.lastEventId; }
        this.watch(controller);
        const response = await fetch(this.streamUrl(), { headers, cache: 'no-store', credentials: 'same-origin', signal: controller.signal });
        if (controller !== this.controller) { return; }
        if (!response.ok) { await this.refused(response); return; }
        if (!(response.headers.get('Content-Type') || '').startsWith('text/event-stream')) {
          this.stop(new Refusal(response.status, 'not_an_event_stream', 'the answer was ' + response.headers.get('Content-Type')));
          return;
        }
        await this.read(response, controller, resuming);
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

    async read(response, controller, resuming) {
      let opening = true;
      let retainedPart = !resuming; // before ready: a catch-up when resuming, else (or after a reset) retained events
      const parser = new EventStreamParser(event => {
        if (event.type === 'ready') { opening = false; }
        if (event.type === 'reset') {
          retainedPart = true;
          this.dispatched.clear(); // the application starts over: what it had is no reason to drop anything
          if (this.onReset) { this.onReset(JSON.parse(event.data)); }
        }
        const published = opening && event.type !== 'welcome' && event.type !== 'reset';
        this.emit(event, published && !retainedPart, published && retainedPart);
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

    emit(event, replayed, retained) {
      if (event.ownId && event.type !== 'ready') {
        if (this.dispatched.has(event.id)) { return; }
        this.dispatched.add(event.id);
        if (this.dispatched.size > REMEMBERED_IDS) { this.dispatched.delete(this.dispatched.values().next().value); }
      }
      // a retained event is older than the stream's position, which ready brings: it does not move lastEventId
      if (event.id && !retained) { this.lastEventId = event.id; }
      const message = new MessageEvent(event.type, { data: event.data, lastEventId: event.id, origin: location.origin });
      Object.defineProperty(message, 'replayed', { value: replayed });
      Object.defineProperty(message, 'retained', { value: retained });
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
  HeraldClient.retainedEvents = retainedEvents;
  global.HeraldClient = HeraldClient;
})(typeof window !== 'undefined' ? window : globalThis);
