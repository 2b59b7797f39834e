// The live feed of one event: a WebSocket to /v1/events/{id}/live that reconnects with
// capped, jittered exponential backoff until closed by its owner. A signed-in user's
// socket carries a single-use ticket (?ticket=, from POST /v1/live-tickets, valid 30 s),
// fetched afresh for every connection: the bearer token never goes into a URL, where
// proxies and logs would keep it. The socket is reopened when the identity changes
// (the user signs up or joins the waiting room).

import { liveTicket } from './api.js';

const backoffMsMin = 500;
const backoffMsMax = 15000;

// handlers: onMessage(msg) for hello/delta/queue/waitlist, onState('connecting'|'live'|
// 'reconnecting'), identity() -> {token, queueToken} (either may be null) for per-user pushes.
export function connectLive(eventId, { onMessage, onState, identity = () => ({}) }) {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const base = `${scheme}//${location.host}/v1/events/${encodeURIComponent(eventId)}/live`;
  let socket = null;
  let socketKey = '';
  let attempts = 0;
  let retryTimer = 0;
  let closed = false;
  let generation = 0; // bumps on every open(): a ticket that arrives for an old one is dropped

  function identityNow() {
    const { token = null, queueToken = null } = identity() || {};
    return { token, queueToken, key: `${token || ''} ${queueToken || ''}` };
  }

  async function open() {
    retryTimer = 0;
    const mine = ++generation;
    onState(attempts === 0 ? 'connecting' : 'reconnecting');
    const who = identityNow();
    socketKey = who.key;
    let url = base;
    if (who.token) {
      try {
        const { ticket } = await liveTicket(who.queueToken);
        url = `${base}?ticket=${encodeURIComponent(ticket)}`;
      } catch {
        if (mine === generation && !closed) scheduleRetry();
        return;
      }
      if (mine !== generation || closed) return; // refreshed or closed meanwhile
    }
    let ws;
    try {
      ws = socket = new WebSocket(url);
    } catch {
      socket = null;
      scheduleRetry();
      return;
    }
    ws.onmessage = (e) => {
      if (ws !== socket) return;
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
    ws.onclose = () => {
      if (ws !== socket) return; // replaced by refresh()
      socket = null;
      if (!closed) scheduleRetry();
    };
    ws.onerror = () => {}; // onclose follows and handles the retry
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
    // Reconnects now if the identity changed (a new bearer or queue token); a no-op otherwise.
    refresh() {
      if (closed || identityNow().key === socketKey) return;
      shut(socket, 'new parameters');
      socket = null;
      clearTimeout(retryTimer);
      attempts = 0;
      open();
    },
    close() {
      closed = true;
      generation += 1;
      clearTimeout(retryTimer);
      shut(socket, 'leaving');
      socket = null;
    },
  };
}
