/*
 * herald.js: a small client for Herald's event streams, with no dependencies. See docs/client.md.
 *
 * EventSource hides the HTTP status and cannot send headers, so this client reads the stream with fetch and
 * parses it itself, with EventSource's event semantics (https://html.spec.whatwg.org/#event-stream-interpretation).
 * That lets it send a token, say why a connection was refused, back off on 429 and 5xx, ask for a fresh token
 * on 401, resume with Last-Event-ID and notice a stream that went silent.
 *
 * The tabs of one origin that use the same Herald URL share one stream (SharedTab, SharedLeader): Web Locks elect
 * the tab that holds it, a BroadcastChannel carries its events to the others. `share: false` turns that off.
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
  const SHARE_VERSION = 1; // in the channel's and the lock's names: tabs running other versions of herald.js never mix
  const BEAT_MS = 1000; // the leader's heartbeat
  const MISSED_BEATS = 3; // a leader silent for this many beats is frozen or throttled: a follower steals the lock
  const HELLO_MS = 10000; // a follower says it is there this often, so that a leader forgets tabs that crashed
  const FORGET_MS = 120000; // a tab not heard from for this long is forgotten (throttled tabs wake once a minute)
  const MAX_TABS = 256; // tabs one leader serves: more on one application is a leak, and the extra ones open their own streams
  const MAX_QUEUED = 10000; // events a tab holds while it reads retained events or catches up: beyond, it catches up again from its last id
  const RENEW_AHEAD_MS = 5000; // renew a stream this long before the server ends it, on the server's clock
  const CONTROL = ['welcome', 'ready', 'reset']; // Herald's events about the connection: never enveloped, for every tab
  // the envelope Herald writes (OutboundEvents.envelope): topics need no escaping, and the data runs to the last '}'
  const ENVELOPE = /^\{"topic":(?:null|"([^"\\]*)"),"data":/;

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


  /** Whether a stream's entries (names, `prefix/*`, `*`) take an event of this topic (null: published without one). */
  function wants(entries, topic) {
    if (topic === null || topic === undefined) { return true; }
    if (topic[0] === '$') { return entries.includes(topic); } // no wildcard matches a $ topic (protocol.md)
    return entries.some(entry => entry === topic || entry === '*'
      || (entry.endsWith('/*') && topic.startsWith(entry.slice(0, -1))));
  }

  /**
   * Orders two of Herald's ids, `<run or milliseconds>-<sequence>` (protocol.md): negative, 0 or positive, or null
   * when they cannot be ordered (ids of two in-memory runs). Never as strings: `…-9` comes before `…-10`.
   */
  function compareIds(a, b) {
    const i = a.lastIndexOf('-');
    const j = b.lastIndexOf('-');
    if (i < 0 || j < 0) { return null; }
    const headA = a.slice(0, i);
    const headB = b.slice(0, j);
    if (headA !== headB) { return /^[0-9]+$/.test(headA) && /^[0-9]+$/.test(headB) ? digits(headA, headB) : null; }
    return digits(a.slice(i + 1), b.slice(j + 1));
  }

  /** Compares whole numbers written without leading zeros, as Herald writes them, of any length. */
  function digits(x, y) {
    return x.length !== y.length ? x.length - y.length : x < y ? -1 : x > y ? 1 : 0;
  }

  /** Leaderships in the order they were taken: [number, leading tab's id], the id breaking a tie of two steals. */
  function compareEpochs(a, b) {
    return a[0] !== b[0] ? a[0] - b[0] : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0;
  }

  /** Web Locks need a secure context (https, localhost, 127.0.0.1); without them, or BroadcastChannel, no sharing. */
  function canShare() {
    return typeof navigator !== 'undefined' && !!navigator.locks && typeof navigator.locks.request === 'function'
      && typeof BroadcastChannel === 'function' && typeof location !== 'undefined';
  }

  function plainReason(reason) {
    return reason ? { status: reason.status, error: reason.error, detail: reason.detail } : null;
  }

  function refusalOf(plain) {
    return plain ? new Refusal(plain.status, plain.error, plain.detail) : null;
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
     *   retainedUrl: where setTopics fetches retained events ('/api/retained' next to url);
     *   share: false for a stream of this client's own instead of the one the tabs share (SharedTab);
     *   withCredentials: true to send cookies to a Herald on another origin, as EventSource's option
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
      this.withCredentials = options.withCredentials === true;
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
      this.clockOffset = 0;    // the server's clock minus the browser's (readClock)
      this.renewTimer = 0;
      this.successor = null;   // a renewal's connection until its ready
      this.endedWhileRenewing = false;
      this.tabs = 1; // tabs sharing the stream, this one included
      this.sink = null; // herald.js's own: where a shared stream's or a catch-up's events go instead of listeners
      this.shared = options.share !== false && canShare() ? new SharedTab(this) : null;
      // like EventSource: connect once the caller's script has run, so its listeners see 'connecting'
      queueMicrotask(() => {
        if (this.stopped) { return; }
        if (this.shared) { this.shared.start(); } else if (!this.controller) { this.connect(); }
      });
    }

    /**
     * Listens to other topics from now on: reconnects with the new set, carrying the last event id. A stream that
     * resumes does not bring retained events, so those of the added topics are fetched first (GET /api/retained),
     * then the stream catches up on all its topics from where it was.
     */
    setTopics(topics) {
      const added = topics.filter(topic => !this.topics.includes(topic) && !topic.startsWith('$'));
      this.topics = [...topics];
      if (this.shared) { this.shared.setTopics(added); return; }
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
      try {
        if (!this.token && this.getToken && !this.askedForToken) {
          this.askedForToken = true;
          this.token = (await this.getToken()) || '';
        }
        if (this.token) { headers.Authorization = 'Bearer ' + this.token; }
        const response = await fetch(this.retainedUrl + '?' + query, { headers, cache: 'no-store', credentials: this.credentials() });
        if (!response.ok) {
          let body = {};
          try { body = await response.json(); } catch (e) { /* not Herald's JSON: the status says enough */ }
          throw new Refusal(response.status, body.error || 'http_' + response.status, body.detail || response.statusText);
        }
        for (const event of retainedEvents(await response.text())) {
          if (!wants(this.topics, event.topic) || this.stopped) { continue; } // dropped meanwhile
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
      if (this.shared) { this.shared.setToken(); return; }
      if (this.state === 'closed' && !this.stopped) { this.restart(); }
    }

    /** Ends the stream for good. */
    close() {
      this.stopped = true;
      if (this.shared) { this.shared.leave(); }
      this.abort();
      this.setState('closed', new Refusal(0, 'closed', 'closed by the application'), 0);
    }

    credentials() {
      return this.withCredentials ? 'include' : 'same-origin';
    }

    restart() {
      this.abort();
      this.failures = 0;
      this.connect();
    }

    abort() {
      clearTimeout(this.timer);
      clearTimeout(this.renewTimer);
      this.timer = null;
      if (this.successor) { this.successor.abort(); this.successor = null; }
      this.endedWhileRenewing = false;
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
        const response = await fetch(this.streamUrl(), { headers, cache: 'no-store', credentials: this.credentials(), signal: controller.signal });
        if (controller !== this.controller) { return; }
        if (!response.ok) { await this.refused(response); return; }
        if (!(response.headers.get('Content-Type') || '').startsWith('text/event-stream')) {
          this.stop(new Refusal(response.status, 'not_an_event_stream', 'the answer was ' + response.headers.get('Content-Type')));
          return;
        }
        this.readClock(response);
        await this.read(response, controller, resuming, false);
        this.ended(controller, null);
      } catch (error) {
        this.ended(controller, error);
      }
    }

    /** A connection's response ended (error null) or failed: the current one reconnects, unless a renewal takes over. */
    ended(controller, error) {
      if (controller !== this.controller) { return; }
      if (this.successor && !error) { this.endedWhileRenewing = true; return; } // its successor is nearly ready
      if (!error) { this.retry(new Refusal(0, 'stream_ended', 'the server ended the stream'), this.retryMs); return; }
      const silent = controller.signal.aborted;
      this.retry(new Refusal(0, silent ? 'silent' : 'network_error',
        silent ? 'nothing arrived for ' + this.silenceMs / 1000 + ' s' : String(error.message || error)), this.backoff());
    }

    /** The server's clock minus the browser's, from the response's Date (whole seconds: the middle of that one). */
    readClock(response) {
      const date = Date.parse(response.headers.get('Date') || '');
      if (Number.isFinite(date)) { this.clockOffset = date + 500 - Date.now(); }
    }

    /**
     * A stream whose authorisation expires says when in welcome's expiresAt, on the server's clock: a few seconds
     * before, the client asks getToken() for a new token and moves to a new stream (renew).
     */
    scheduleRenewal(welcome, current) {
      clearTimeout(this.renewTimer);
      let expiresAt;
      try { expiresAt = JSON.parse(welcome).expiresAt; } catch (e) { return; }
      if (typeof expiresAt !== 'number' || !this.getToken) { return; } // without getToken the 401 after it ends says so
      const delay = expiresAt - (Date.now() + (this.clockOffset || 0)) - RENEW_AHEAD_MS;
      this.renewTimer = setTimeout(() => this.renew(current), Math.max(0, delay));
    }

    /**
     * Opens a new stream with a fresh token from the last id while the old one still runs, and switches when its
     * ready arrives: no gap, as the new one starts where the old one was; no repeat, as emit drops every id not
     * after the last one dispatched, whichever stream brings it.
     */
    async renew(old) {
      if (old !== this.controller || this.stopped || this.successor || !this.lastEventId) { return; }
      let token;
      try { token = (await this.getToken()) || ''; } catch (e) { return; } // the stream ends, and its 401 asks again
      if (!token || old !== this.controller || this.stopped) { return; }
      const controller = new AbortController();
      this.successor = controller;
      const patience = setTimeout(() => { if (this.successor === controller) { controller.abort(); } }, this.silenceMs);
      try {
        const headers = { Accept: 'text/event-stream', Authorization: 'Bearer ' + token, 'Last-Event-ID': this.lastEventId };
        const response = await fetch(this.streamUrl(), { headers, cache: 'no-store', credentials: this.credentials(), signal: controller.signal });
        if (this.successor !== controller || !response.ok
          || !(response.headers.get('Content-Type') || '').startsWith('text/event-stream')) {
          throw new Error('renewal refused with ' + response.status);
        }
        this.token = token;
        this.readClock(response);
        await this.read(response, controller, true, true);
        if (this.successor === controller) { throw new Error('the renewed stream ended before its ready'); }
        this.ended(controller, null);
      } catch (error) {
        if (this.successor === controller) { // it never took over: the old stream goes on, or reconnects as usual
          this.successor = null;
          controller.abort();
          if (this.endedWhileRenewing) { this.endedWhileRenewing = false; this.ended(this.controller, null); }
          return;
        }
        this.ended(controller, error);
      } finally {
        clearTimeout(patience);
      }
    }

    /** The renewed stream is ready: it becomes the current one, and the old one is closed. */
    takeOver(controller) {
      if (this.successor !== controller) { return; }
      const old = this.controller;
      this.successor = null;
      this.endedWhileRenewing = false;
      this.controller = controller;
      if (old) { old.abort(); }
      this.watch(controller);
    }

    /** Aborts the connection when no byte arrives for twice the heartbeat interval. */
    watch(controller) {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => { if (controller === this.controller) { controller.abort(); } }, this.silenceMs);
    }

    /** Reads a stream's events; a renewal's (renewing) takes over at its ready and was never away, so never replays. */
    async read(response, controller, resuming, renewing) {
      let opening = true;
      let retainedPart = !resuming; // before ready: a catch-up when resuming, else (or after a reset) retained events
      const parser = new EventStreamParser(event => {
        if (event.type === 'ready') { opening = false; if (renewing) { this.takeOver(controller); } }
        if (event.type === 'welcome') { this.scheduleRenewal(event.data, controller); }
        if (event.type === 'reset') {
          retainedPart = true;
          this.dispatched.clear(); // the application starts over: what it had is no reason to drop anything
          this.lastEventId = ''; // nor is the id it can no longer resume from
          if (this.onReset) { this.onReset(JSON.parse(event.data)); }
        }
        const published = opening && event.type !== 'welcome' && event.type !== 'reset';
        this.emit(event, published && !retainedPart && !renewing, published && retainedPart);
      }, ms => { this.retryMs = ms; });
      if (!renewing) {
        this.failures = 0;
        this.everOpened = true;
        this.setState('open', null, 0);
      }
      const reader = response.body.getReader();
      const decoder = new TextDecoder('utf-8');
      let first = true;
      for (;;) {
        const { value, done } = await reader.read();
        if (controller !== this.controller && controller !== this.successor) { reader.cancel().catch(() => {}); return; }
        if (done) { return; }
        if (controller === this.controller) { this.watch(controller); }
        let text = decoder.decode(value, { stream: true });
        if (first && text.length) { text = text.replace(/^\uFEFF/, ''); first = false; }
        parser.feed(text);
      }
    }

    emit(event, replayed, retained) {
      const order = event.ownId && this.lastEventId ? compareIds(event.id, this.lastEventId) : null;
      if (event.ownId && event.type !== 'ready') {
        if (this.dispatched.has(event.id)) { return; }
        // not after the last event dispatched: two streams overlapped (a new leader, a renewal, a catch-up)
        if (!retained && order !== null && order <= 0) { return; }
        this.dispatched.add(event.id);
        if (this.dispatched.size > REMEMBERED_IDS) { this.dispatched.delete(this.dispatched.values().next().value); }
      }
      // a retained event is older than the stream's position, which ready brings: it does not move lastEventId;
      // nor does the ready of a stream that opened from further back than this tab is (a shared one)
      if (event.id && !retained && !(order !== null && order < 0)) { this.lastEventId = event.id; }
      if (this.sink) { this.sink(event, replayed, retained); return; }
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

  /**
   * One HeraldClient's part in a stream shared by the tabs of its origin that use the same Herald URL. The tabs
   * compete for a Web Lock; the one holding it leads (SharedLeader): it holds the stream for the union of their
   * topics and routes each event, over a BroadcastChannel, to the tabs that want it. Every tab drops what it
   * delivered already, by id, so a new leader, a reconnection for a new union or a tab's own catch-up never repeats.
   *
   * Messages from a leader carry `v`, its leadership; a tab drops those of an older one. Kinds: `beat` (every
   * second, with the tabs and their topics and the stream's last id), `ev` (an event, `to` the tabs that take it),
   * `state`, `joined` and `refused` (to one tab). Tabs send `hello` (join, or new topics) and `bye`.
   */
  class SharedTab {
    constructor(client) {
      this.client = client;
      this.id = Math.random().toString(36).slice(2, 10) + '.' + Date.now().toString(36);
      this.name = 'herald.js v' + SHARE_VERSION + (client.withCredentials ? ' with credentials ' : ' ')
        + new URL(client.url, location.href).href;
      this.epoch = [0, ''];   // the newest leadership seen
      this.lastBeat = 0;
      this.groupLastId = '';  // the last id the group was given: where a new leader resumes
      this.roster = [];       // [tab, topics, refused] as the last beat listed them: a new leader serves them at once
      this.leader = null;     // a SharedLeader while this tab leads
      this.sharedState = null; // the shared stream's last state, for after this tab's own catch-up
      this.joined = false;
      this.leading = false;
      this.refused = false;
      this.holds = 0;         // reasons to hold events back: not joined yet, reading retained events, its own catch-up
      this.queue = [];
      this.lost = false;      // the queue overflowed: catch up from the last id once nothing holds
      this.since = '';
      this.catchUp = null;    // the tab's own stream, while it catches up from its own lastEventId
      this.channel = null;
      this.lockAbort = null;
      this.watchdog = 0;
      this.closed = true;
      this.suspended = false;
      addEventListener('pagehide', () => { if (!this.closed) { this.leave(); this.suspended = true; } });
      addEventListener('pageshow', event => { if (event.persisted && this.suspended) { this.suspended = false; this.start(); } });
    }

    start() {
      this.closed = false;
      this.joined = false;
      this.holds = 1; // until a leader, maybe this tab, says it serves it
      this.queue = [];
      this.channel = new BroadcastChannel(this.name);
      this.channel.onmessage = e => this.receive(e.data);
      this.client.setState(this.client.everOpened ? 'reconnecting' : 'connecting', null, 0);
      this.lastBeat = Date.now();
      this.hello();
      this.requestLock(false);
      const patience = MISSED_BEATS * BEAT_MS + Math.random() * BEAT_MS / 5; // jitter: followers do not all steal at once
      let helloAt = Date.now();
      this.watchdog = setInterval(() => {
        if (this.leader) { return; }
        if (Date.now() - this.lastBeat > patience) { this.lastBeat = Date.now(); this.steal(); }
        if (Date.now() - helloAt > HELLO_MS) { helloAt = Date.now(); this.hello(); }
      }, BEAT_MS / 10);
    }

    /** Leaves the group: another tab takes over at once if this one led (its lock is released). */
    leave() {
      if (this.closed) { return; }
      this.closed = true;
      clearInterval(this.watchdog);
      if (this.catchUp) { const own = this.catchUp; this.catchUp = null; own.close(); }
      this.post({ k: 'bye', tab: this.id });
      if (this.leader) { this.stepDown(); }
      if (this.lockAbort) { this.lockAbort.abort(); this.lockAbort = null; }
      this.channel.close();
    }

    post(message) {
      if (this.channel && !this.closed) { this.channel.postMessage(message); }
    }

    /** Joins, says this tab is still there, or (retry) asks again for topics the stream was refused. */
    hello(retry) {
      const message = { k: 'hello', tab: this.id, topics: this.client.topics, last: this.groupLastId, retry: !!retry };
      this.post(message);
      if (this.leader) { this.leader.tabMessage(message); }
    }

    setTopics(added) {
      this.refused = false;
      // the shared stream resumes from its position for the new union and brings no retained events: read them
      if (added.length && this.joined && this.groupLastId) { this.readRetained(added); }
      this.hello(true);
    }

    setToken() {
      if (this.leader) { this.leader.stream.setToken(this.client.token); }
      if (this.refused) { this.refused = false; this.hello(true); }
    }

    requestLock(steal) {
      const abort = new AbortController();
      this.lockAbort = abort;
      const options = steal ? { steal: true } : { signal: abort.signal };
      navigator.locks.request(this.name, options, () => (this.closed || this.lockAbort !== abort ? null : this.lead(abort)))
        .catch(() => { /* aborted by this tab, or stolen by another: both end this leadership below */ })
        .finally(() => {
          if (this.leader && this.leader.abort === abort) { this.stepDown(); }
          if (!this.closed && this.lockAbort === abort) { this.requestLock(false); }
        });
    }

    /** The leader missed its beats: frozen or throttled. Its lock is taken from it; its epoch is then an old one. */
    steal() {
      const queued = this.lockAbort;
      this.requestLock(true);
      if (queued) { queued.abort(); } // else this tab would lead a second time once the stolen lock is released
    }

    lead(abort) {
      const previous = this.epoch[1];
      // the clock, so that a tab that never heard the leader it replaces still leads a newer epoch than it
      this.epoch = [Math.max(this.epoch[0] + 1, Date.now()), this.id];
      const leader = new SharedLeader(this, this.epoch, abort, previous);
      this.leader = leader;
      const released = new Promise(resolve => { leader.release = resolve; });
      // the first tab, which brings its own lastEventId: the shared stream starts from it, its catch-up is this tab's
      const resumed = !this.joined && !this.groupLastId && this.client.lastEventId;
      leader.start(resumed || this.groupLastId);
      if (!this.joined) { this.onJoined({ since: this.groupLastId, state: null, resumed: !!resumed }); }
      return released;
    }

    stepDown() {
      const leader = this.leader;
      this.leader = null;
      if (leader) { leader.stop(); }
    }

    receive(m) {
      if (this.closed) { return; }
      if (m.k === 'bye') { this.roster = this.roster.filter(([id]) => id !== m.tab); }
      if (m.k === 'hello' || m.k === 'bye') { if (this.leader) { this.leader.tabMessage(m); } return; }
      const order = compareEpochs(m.v, this.epoch);
      if (order < 0) { return; } // from a leader that was frozen and does not know yet that it was replaced
      if (order > 0) {
        this.epoch = m.v;
        if (this.leader) { this.stepDown(); }
        this.hello(); // the new leader learns this tab's topics and the last id it saw
      }
      this.lastBeat = Date.now();
      switch (m.k) {
        case 'beat':
          this.roster = m.roster;
          if (m.last) { this.groupLastId = m.last; }
          if (!this.leader && !m.roster.some(([id]) => id === this.id)) { // its hello was lost, or it was forgotten
            if (this.joined) { this.rejoin(); } else { this.hello(); }
          }
          this.setTabs(m.roster.length);
          break;
        case 'ev':
          if (m.own && m.id && !m.rt) { this.groupLastId = m.id; }
          if (m.to.includes(this.id)) { this.take(m); }
          break;
        case 'state': this.applyState(m); break;
        case 'joined': if (m.to === this.id && !this.joined) { this.onJoined(m); } break;
        case 'refused': if (m.to === this.id) { this.onRefused(m.reason); } break;
        default: // a kind of a later version in the same channel cannot happen: the name carries the version
      }
    }

    onJoined(m) {
      this.joined = true;
      this.since = m.since || '';
      if (this.client.lastEventId && !m.resumed) {
        if (!this.catchUp) { this.ownCatchUp(this.client.lastEventId); }
      } else if (this.since && !this.catchUp) {
        // a late joiner gets what a new stream would give it: its topics' retained events, then what comes next
        this.readRetained(this.client.topics);
      }
      if (m.state) { this.applyState(m.state); } // after a catch-up starts: it shows its own stream's state meanwhile
      this.release();
    }

    /**
     * The leader does not know this tab (a new leader that never heard of it, or one that forgot it while it was
     * frozen): the tab joins again and catches up on its own from its last id, so nothing in between is lost.
     */
    rejoin() {
      this.joined = false;
      this.holds++;
      this.hello();
    }

    onRefused(reason) {
      if (reason.error === 'too_many_tabs') { // this tab opens its own stream, as without sharing
        this.leave();
        this.client.shared = null;
        this.client.connect();
        return;
      }
      this.refused = true;
      this.queue = [];
      this.client.setState('closed', refusalOf(reason), 0);
    }

    applyState(m) {
      this.sharedState = m;
      if (this.refused || this.catchUp) { return; } // a refused tab stays closed; a catch-up shows its own stream's
      this.show(m.state, refusalOf(m.reason), m.retryAt);
    }

    /** The state of the stream this tab is served by, as its own stream's would be, each change once. */
    show(state, reason, retryAt) {
      const client = this.client;
      if (state === 'connecting' && client.everOpened) { state = 'reconnecting'; } // a new leader's stream, a catch-up
      if (state === 'open') { client.everOpened = true; }
      if (state === client.state && (client.reason ? client.reason.error : null) === (reason ? reason.error : null)
        && client.retryAt === (retryAt || 0)) { return; }
      client.setState(state, reason, retryAt);
    }

    setTabs(count) {
      const leading = !!this.leader;
      if (count === this.client.tabs && leading === this.leading) { return; }
      this.client.tabs = count;
      this.leading = leading;
      this.client.dispatchEvent(new CustomEvent('sharechange', { detail: { tabs: count, leading } }));
    }

    take(m) {
      const data = this.client.envelope || !m.cut ? m.data : m.data.slice(m.cut, -1);
      const event = { type: m.type, data, id: m.id, ownId: m.own, replayed: m.rp, retained: m.rt };
      if (this.refused) { return; }
      if (this.holds > 0) {
        if (this.queue.length < MAX_QUEUED) { this.queue.push(event); } else { this.lost = true; this.queue = []; }
        return;
      }
      this.dispatch(event);
    }

    dispatch(event) {
      const client = this.client;
      if (event.type === 'reset') {
        client.dispatched.clear(); // the application starts over, as after its own stream's reset
        client.lastEventId = '';
        if (client.onReset) { client.onReset(JSON.parse(event.data)); }
      }
      client.emit(event, event.replayed, event.retained);
    }

    release() {
      this.holds--;
      if (this.holds > 0 || this.closed) { return; }
      if (this.lost) { // more arrived than a tab holds: its own catch-up brings them, from where it is
        this.lost = false;
        this.queue = [];
        this.ownCatchUp(this.client.lastEventId || this.since);
        return;
      }
      const queue = this.queue;
      this.queue = [];
      for (const event of queue) { this.dispatch(event); } // what this tab has already is dropped by id
    }

    async readRetained(topics) {
      this.holds++;
      try { await this.client.fetchRetained(topics); } finally { this.release(); }
    }

    /**
     * A tab that brings its own lastEventId catches up on its own, short-lived stream (its topics, its token,
     * from its id), holding back the shared stream's events meanwhile; after that stream's ready it closes it and
     * dispatches what it held, dropping ids it has had.
     */
    ownCatchUp(from) {
      const client = this.client;
      this.holds++;
      const own = new HeraldClient(client.url, {
        share: false, topics: client.topics, envelope: client.envelope, lastEventId: from, token: client.token,
        getToken: client.getToken, onReset: null, heartbeatSeconds: client.silenceMs / 2000, retryMs: client.retryMs,
        withCredentials: client.withCredentials, retainedUrl: client.retainedUrl,
      });
      this.catchUp = own;
      own.sink = (event, replayed, retained) => {
        if (this.catchUp !== own) { return; }
        this.dispatch({ ...event, replayed, retained });
        if (event.type === 'ready') { this.endCatchUp(own); }
      };
      own.addEventListener('statechange', e => {
        if (this.catchUp !== own) { return; }
        if (e.detail.state === 'closed') { // refused: so would this tab's topics be on its own
          this.endCatchUp(own);
          this.onRefused(plainReason(e.detail.reason));
          return;
        }
        this.show(e.detail.state, e.detail.reason, e.detail.retryAt);
      });
    }

    endCatchUp(own) {
      this.catchUp = null;
      own.close();
      if (this.sharedState) { this.applyState(this.sharedState); }
      this.release();
    }
  }

  /** The leading tab's job: the shared stream, the tabs it serves, their heartbeat. See SharedTab. */
  class SharedLeader {
    constructor(tab, epoch, abort, previous) {
      this.tab = tab;
      this.epoch = epoch;
      this.abort = abort;
      this.members = new Map(); // tab id -> {topics, refused, waiting}; at most MAX_TABS
      for (const [id, topics, refused] of tab.roster) {
        // not the leader before: it is gone, or frozen and joins again when it wakes up
        if (id !== tab.id && id !== previous) { this.members.set(id, { topics, refused, waiting: false }); }
      }
      this.members.set(tab.id, { topics: tab.client.topics, refused: tab.refused, waiting: false });
      for (const member of this.members.values()) { member.heard = Date.now(); }
      this.suspect = null; // the tab whose topics joined the union last: the one refused if the server refuses it
      this.state = { state: 'connecting', reason: null, retryAt: 0 };
      this.stream = null;
      this.beat = 0;
      this.timer = 0;
      this.stopping = false;
      this.release = () => {};
    }

    start(from) {
      const client = this.tab.client;
      this.stream = new HeraldClient(client.url, {
        share: false, envelope: true, topics: this.union(), lastEventId: from, token: client.token,
        getToken: client.getToken, heartbeatSeconds: client.silenceMs / 2000, retryMs: client.retryMs,
        withCredentials: client.withCredentials, retainedUrl: client.retainedUrl,
      });
      this.stream.sink = (event, replayed, retained) => this.route(event, replayed, retained);
      this.stream.addEventListener('statechange', e => this.stateChanged(e.detail));
      this.beat = setInterval(() => this.heartbeat(), BEAT_MS);
      this.heartbeat();
    }

    stop() {
      this.stopping = true;
      clearInterval(this.beat);
      clearTimeout(this.timer);
      if (this.stream) { this.stream.close(); }
      this.release();
    }

    broadcast(message) {
      this.tab.post(message);
      this.tab.receive(message);
    }

    admitted() {
      return [...this.members].filter(([, m]) => !m.refused && !m.waiting).map(([id]) => id);
    }

    union() {
      const topics = new Set();
      for (const id of this.admitted()) { for (const topic of this.members.get(id).topics) { topics.add(topic); } }
      return [...topics];
    }

    heartbeat() {
      for (const [id, m] of this.members) {
        if (id !== this.tab.id && Date.now() - m.heard > FORGET_MS) { this.members.delete(id); this.changed(); }
      }
      const roster = [...this.members].map(([id, m]) => [id, m.topics, m.refused]);
      this.broadcast({ v: this.epoch, k: 'beat', roster, last: this.stream.lastEventId });
    }

    tabMessage(m) {
      if (this.stopping) { return; }
      if (m.k === 'bye') {
        if (this.members.delete(m.tab)) { this.changed(); }
        return;
      }
      let member = this.members.get(m.tab);
      if (!member && this.members.size >= MAX_TABS) {
        this.broadcast({ v: this.epoch, k: 'refused', to: m.tab,
          reason: { status: 0, error: 'too_many_tabs', detail: 'this leader serves ' + MAX_TABS + ' tabs' } });
        return;
      }
      const before = this.union().join('\n');
      if (!member) { member = { topics: [], refused: false, waiting: false }; this.members.set(m.tab, member); }
      member.heard = Date.now();
      const same = member.topics.join('\n') === m.topics.join('\n');
      member.topics = m.topics;
      if (!same || m.retry) { member.refused = false; }
      let restart = false;
      if (m.last && !this.stream.lastEventId) { // a new leader that had seen nothing: resume where the group was
        this.stream.lastEventId = m.last;
        restart = true;
      }
      this.broadcast({ v: this.epoch, k: 'joined', to: m.tab, since: this.stream.lastEventId, state: this.state });
      if (this.union().join('\n') !== before) { this.suspect = m.tab; restart = true; }
      if (restart) { this.changed(); }
      this.heartbeat();
    }

    /** Reconnects for the new union, from the stream's last id, once the tabs' changes of this moment are in. */
    changed() {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => {
        if (this.stopping) { return; }
        this.stream.topics = this.union();
        if (!this.admitted().length) { this.stream.abort(); return; } // every tab refused: nothing to hold
        this.stream.restart();
      }, 20);
    }

    route(event, replayed, retained) {
      const text = event.data;
      let topic = null;
      let cut = 0;
      if (!CONTROL.includes(event.type)) {
        const envelope = ENVELOPE.exec(text);
        if (envelope && text.endsWith('}')) { topic = envelope[1] === undefined ? null : envelope[1]; cut = envelope[0].length; }
      }
      const to = this.admitted().filter(id => CONTROL.includes(event.type) || wants(this.members.get(id).topics, topic));
      if (event.type === 'ready') { this.suspect = null; this.admitNext(); } // the union was accepted
      this.broadcast({ v: this.epoch, k: 'ev', to, type: event.type, data: text, id: event.id, own: event.ownId,
        rp: replayed, rt: retained, cut });
    }

    stateChanged(detail) {
      if (this.stopping) { return; }
      const reason = detail.reason;
      if (detail.state === 'closed' && reason && reason.status >= 400 && reason.status < 500) { this.refuse(reason); return; }
      this.state = { state: detail.state, reason: plainReason(reason), retryAt: detail.retryAt };
      this.broadcast({ v: this.epoch, k: 'state', ...this.state });
    }

    /**
     * The server refused the union (400, 401 after asking getToken, 403): the tab whose topics joined it last gets
     * the refusal, the others go on. When no one tab is to blame (a new leader, whose token may grant less), the
     * tabs are admitted again one at a time, the leader's own first, each reconnection naming its culprit.
     */
    refuse(reason) {
      const admitted = this.admitted();
      let culprit = this.suspect && admitted.includes(this.suspect) ? this.suspect : null;
      if (!culprit && admitted.length === 1) { culprit = admitted[0]; }
      if (culprit) {
        this.members.get(culprit).refused = true;
        this.broadcast({ v: this.epoch, k: 'refused', to: culprit, reason: plainReason(reason) });
      } else {
        for (const [id, m] of this.members) { if (id !== this.tab.id && !m.refused) { m.waiting = true; } }
      }
      this.suspect = this.admitted().length === 1 ? this.admitted()[0] : null;
      if (!this.admitted().length) { this.admitNext(); }
      this.changed();
    }

    admitNext() {
      for (const [id, m] of this.members) {
        if (m.waiting) { m.waiting = false; this.suspect = id; this.changed(); return; }
      }
    }
  }

  HeraldClient.STATES = STATES;
  HeraldClient.EventStreamParser = EventStreamParser;
  HeraldClient.retainedEvents = retainedEvents;
  global.HeraldClient = HeraldClient;
})(typeof window !== 'undefined' ? window : globalThis);
