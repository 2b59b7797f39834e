// The live feed of one event: a WebSocket to /v1/events/{id}/live that reconnects with
// capped, jittered exponential backoff until closed by its owner. The query string
// (?token=<bearer>&queueToken=<…>) is built afresh for every connection, so the socket
// can be reopened once the user signs up or joins the waiting room.

const backoffMsMin = 500;
const backoffMsMax = 15000;

// handlers: onMessage(msg) for hello/delta/queue/waitlist, onState('connecting'|'live'|
// 'reconnecting'), query() -> {name: value|null} for the URL (optional).
export function connectLive(eventId, { onMessage, onState, query = () => ({}) }) {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const base = `${scheme}//${location.host}/v1/events/${encodeURIComponent(eventId)}/live`;
  let socket = null;
  let socketUrl = '';
  let attempts = 0;
  let retryTimer = 0;
  let closed = false;

  function url() {
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(query() || {})) if (value) params.set(name, value);
    const text = params.toString();
    return text ? `${base}?${text}` : base;
  }

  function open() {
    retryTimer = 0;
    onState(attempts === 0 ? 'connecting' : 'reconnecting');
    socketUrl = url();
    let mine;
    try {
      mine = socket = new WebSocket(socketUrl);
    } catch {
      socket = null;
      scheduleRetry();
      return;
    }
    mine.onmessage = (e) => {
      if (mine !== socket) return;
      let msg;
      try {
        msg = JSON.parse(e.data);
      } catch {
        return; // not ours to understand; the feed stays up
      }
      if (msg.type === 'hello') {
        attempts = 0;
        onState('live');
      }
      onMessage(msg);
    };
    mine.onclose = () => {
      if (mine !== socket) return; // replaced by refresh()
      socket = null;
      if (!closed) scheduleRetry();
    };
    mine.onerror = () => {}; // onclose follows and handles the retry
  }

  // Closing a socket that is still connecting logs an error in Chromium: let it open first.
  function shut(ws, why) {
    if (!ws) return;
    if (ws.readyState === WebSocket.CONNECTING) ws.onopen = () => ws.close(1000, why);
    else ws.close(1000, why);
  }

  function scheduleRetry() {
    attempts += 1;
    onState('reconnecting');
    const ceiling = Math.min(backoffMsMax, backoffMsMin * 2 ** (attempts - 1));
    retryTimer = setTimeout(open, ceiling * (0.5 + Math.random() * 0.5));
  }

  open();
  return {
    // Reconnects now if the query changed (a new bearer or queue token); a no-op otherwise.
    refresh() {
      if (closed || url() === socketUrl) return;
      shut(socket, 'new parameters');
      socket = null;
      clearTimeout(retryTimer);
      attempts = 0;
      open();
    },
    close() {
      closed = true;
      clearTimeout(retryTimer);
      shut(socket, 'leaving');
      socket = null;
    },
  };
}
