// The live seat feed of one event: a WebSocket to /v1/events/{id}/live that
// reconnects with capped, jittered exponential backoff until closed by its owner.

const backoffMsMin = 500;
const backoffMsMax = 15000;

// handlers: onMessage(msg) for hello/delta, onState('connecting'|'live'|'reconnecting').
export function connectLive(eventId, { onMessage, onState }) {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const url = `${scheme}//${location.host}/v1/events/${encodeURIComponent(eventId)}/live`;
  let socket = null;
  let attempts = 0;
  let retryTimer = 0;
  let closed = false;

  function open() {
    onState(attempts === 0 ? 'connecting' : 'reconnecting');
    try {
      socket = new WebSocket(url);
    } catch {
      scheduleRetry();
      return;
    }
    socket.onmessage = (e) => {
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
    socket.onclose = () => {
      socket = null;
      if (!closed) scheduleRetry();
    };
    socket.onerror = () => {}; // onclose follows and handles the retry
  }

  function scheduleRetry() {
    attempts += 1;
    onState('reconnecting');
    const ceiling = Math.min(backoffMsMax, backoffMsMin * 2 ** (attempts - 1));
    retryTimer = setTimeout(open, ceiling * (0.5 + Math.random() * 0.5));
  }

  open();
  return {
    close() {
      closed = true;
      clearTimeout(retryTimer);
      if (socket) socket.close(1000, 'leaving');
    },
  };
}
