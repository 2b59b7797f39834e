// The waiting room of an event whose "waitingRoom" is enabled: join (solving a proof of
// work when the server asks for one), then show the user's place until admitted.
//
//   join ──► pre_queue ──(opensAt: order randomized)──► queued ──► admitted ──► expired
//     ▲                                                       │       (shopping time runs
//     └──── rejoin ◄── 403 not_admitted on a hold ◄───────────┘        out, or a purchase)
//
// The server admits each fan once per on-sale: a rejoin after 403 returns the user's
// current place (or "expired"), never a second turn, so "expired" is final here.
//
// The queue token is kept in localStorage per event, so a reload or a second tab keeps
// the place; the access token is kept in sessionStorage per event and goes on every hold
// as Access-Token. State arrives by push (live "queue" messages) and, as a fallback, by
// polling queue/status every pollMs unless a push came in meanwhile.

import { api, currentUser, ensureUser, serverNowMs } from './api.js';
import { h, mmss, plural } from './ui.js';

const pollMs = 3000;
const joinAttemptsMax = 3;       // fresh challenges tried after challenge_failed
const openJitterMsMax = 2000;    // spreads the status polls of everyone waiting for the open
const admittedPauseMs = 1200;    // "It's your turn!" stays up this long
const tickMs = 250;
const queueStorage = (eventId) => `holdfast.queue.${eventId}`;
const accessStorage = (eventId) => `holdfast.access.${eventId}`;

export function roomEnabled(event) {
  return !!(event && event.waitingRoom && event.waitingRoom.enabled);
}

function readJson(storage, key) {
  try {
    return JSON.parse(storage.getItem(key) || 'null');
  } catch {
    return null;
  }
}

// {accessToken, accessExpiresAtMs, userId} while valid for the signed-in user, else null.
export function accessGrant(eventId) {
  const saved = readJson(sessionStorage, accessStorage(eventId));
  const user = currentUser();
  if (!saved || !saved.accessToken || !user || saved.userId !== user.userId) return null;
  if (saved.accessExpiresAtMs && saved.accessExpiresAtMs <= serverNowMs()) return null;
  return saved;
}

export function clearAccess(eventId) {
  sessionStorage.removeItem(accessStorage(eventId));
}

// {queueToken, userId, startPosition} of the signed-in user for this event, or null.
export function savedQueue(eventId) {
  const saved = readJson(localStorage, queueStorage(eventId));
  const user = currentUser();
  return saved && saved.queueToken && user && saved.userId === user.userId ? saved : null;
}

// ETA for people: mm:ss below ten minutes, "about N min" beyond.
export function formatEta(seconds) {
  if (typeof seconds !== 'number' || !(seconds >= 0)) return '—';
  return seconds < 600 ? mmss(seconds * 1000) : `about ${Math.round(seconds / 60)} min`;
}

function countdownText(ms) {
  const total = Math.max(0, Math.ceil(ms / 1000));
  if (total < 3600) return mmss(ms);
  const hours = Math.floor(total / 3600);
  return `${hours}:${mmss((total - hours * 3600) * 1000)}`;
}

const numberOrNull = (x) => (typeof x === 'number' && Number.isFinite(x) ? x : null);

// options: {event, onAdmitted(grant), onToken() when the queue token changes (the page
// reopens its live socket with it), onChange(state) after every update}.
export class WaitingRoom {
  constructor(container, { event, onAdmitted, onToken, onChange }) {
    this.container = container;
    this.event = event;
    this.eventId = event.eventId;
    this.room = event.waitingRoom || {};
    this.hooks = { onAdmitted, onToken, onChange };
    this.state = { status: 'joining', position: null, queueLength: null, etaSeconds: null };
    this.etaBaseMs = 0;       // performance.now() when etaSeconds arrived; the ETA ticks down from there
    this.lastNewsMs = 0;      // last push or poll answer
    this.pollTimer = 0;
    this.openPollTimer = 0;
    this.done = false;        // admitted or expired: no more polling
    this.gone = false;
    this.render();
    this.timer = setInterval(() => this.tick(), tickMs);
    this.start();
  }

  destroy() {
    this.gone = true;
    if (this.abort) this.abort.abort(); // a proof of work still running stops
    clearInterval(this.timer);
    clearTimeout(this.pollTimer);
    clearTimeout(this.openPollTimer);
    clearTimeout(this.admitTimer);
  }

  snapshot() {
    const saved = savedQueue(this.eventId);
    return { ...this.state, queueToken: saved ? saved.queueToken : null };
  }

  async start() {
    try {
      await ensureUser();
    } catch (err) {
      this.fail(err);
      return;
    }
    if (this.gone) return;
    if (savedQueue(this.eventId)) {
      this.hooks.onToken();
      this.poll();
    } else this.join();
  }

  // --- talking to the server ----------------------------------------------------------
  async join() {
    clearTimeout(this.pollTimer);
    this.done = false;
    this.set({ status: 'joining' });
    for (let attempt = 1; attempt <= joinAttemptsMax && !this.gone; attempt++) {
      try {
        const body = await this.proof();
        const res = await api('POST', `/v1/events/${encodeURIComponent(this.eventId)}/queue`, { auth: true, body });
        if (this.gone) return;
        this.apply(res);
        this.schedulePoll(pollMs);
        return;
      } catch (err) {
        if (err.code === 'challenge_failed' && attempt < joinAttemptsMax) continue;
        this.fail(err);
        if (err.retryAfterS > 0) // rate_limited, or overloaded: the server said when to come back
          this.pollTimer = setTimeout(() => { if (!this.gone) this.join(); }, err.retryAfterS * 1000);
        return;
      }
    }
  }

  // {} when the server wants no proof of work, else {challenge, nonce}. pow.js is loaded
  // only then, so events without proof of work never fetch it.
  async proof() {
    const { challenge, difficulty } = await api('GET', `/v1/events/${encodeURIComponent(this.eventId)}/queue/challenge`);
    if (!(difficulty > 0)) return {};
    this.set({ status: 'checking' });
    const { solve } = await import('./pow.js');
    this.abort = new AbortController();
    const nonce = await solve(challenge, difficulty, {
      signal: this.abort.signal,
      onProgress: (hashes) => { this.lead.dataset.hashes = String(hashes); },
    });
    return { challenge, nonce: String(nonce) };
  }

  // force: ask even if a push just came in.
  async poll(force = false) {
    clearTimeout(this.pollTimer);
    this.pollTimer = 0;
    const saved = savedQueue(this.eventId);
    if (this.gone || this.done || !saved) return;
    let waitMs = pollMs;
    if (force || performance.now() - this.lastNewsMs >= pollMs - 100) { // a push in the meantime does the job
      try {
        const res = await api('GET', `/v1/events/${encodeURIComponent(this.eventId)}/queue/status`,
          { auth: true, headers: { 'Queue-Token': saved.queueToken } });
        this.trouble.hidden = true;
        this.apply(res);
      } catch (err) {
        if (this.gone) return;
        if (err.code === 'rate_limited') waitMs = Math.max(pollMs, err.retryAfterS * 1000);
        else if (err.status >= 400 && err.status < 500) { // the server does not know this place: take a new one
          this.forget();
          this.join();
          return;
        } else this.showTrouble('Connection trouble; still trying. You keep your place.');
      }
    }
    this.schedulePoll(waitMs);
  }

  schedulePoll(waitMs, force = false) {
    clearTimeout(this.pollTimer);
    if (!this.gone && !this.done) this.pollTimer = setTimeout(() => this.poll(force), waitMs);
  }

  // A live "queue" message: the same fields as queue/status, for this user.
  onPush(msg) {
    if (this.gone || this.done || this.state.status === 'joining' || this.state.status === 'checking') return;
    this.apply(msg);
  }

  apply(res) {
    if (this.gone || !res) return;
    this.lastNewsMs = performance.now();
    if (res.queueToken) this.remember(res.queueToken);
    const status = res.status || this.state.status;
    const eta = numberOrNull(res.etaSeconds);
    this.state = { status, position: numberOrNull(res.position), queueLength: numberOrNull(res.queueLength), etaSeconds: eta };
    this.etaBaseMs = performance.now();
    this.noteStart();
    const lapsed = typeof res.accessExpiresAtMs === 'number' && res.accessExpiresAtMs <= serverNowMs();
    if (status === 'admitted' && res.accessToken && !lapsed) this.admit(res);
    else if (status === 'admitted') this.schedulePoll(lapsed ? 1000 : 0, true); // no usable token yet: ask again
    if (status === 'expired') {
      this.done = true;
      clearAccess(this.eventId);
    }
    this.update();
  }

  admit(res) {
    const user = currentUser();
    const grant = { accessToken: res.accessToken, accessExpiresAtMs: numberOrNull(res.accessExpiresAtMs), userId: user && user.userId };
    sessionStorage.setItem(accessStorage(this.eventId), JSON.stringify(grant));
    this.done = true;
    clearTimeout(this.pollTimer);
    clearTimeout(this.admitTimer);
    this.admitTimer = setTimeout(() => { if (!this.gone) this.hooks.onAdmitted(grant); }, admittedPauseMs);
  }

  remember(queueToken) {
    const saved = savedQueue(this.eventId);
    if (saved && saved.queueToken === queueToken) return;
    const user = currentUser();
    localStorage.setItem(queueStorage(this.eventId), JSON.stringify({ queueToken, userId: user && user.userId, startPosition: null }));
    this.hooks.onToken();
  }

  // The first place seen in the line, so the progress bar starts empty and fills up.
  noteStart() {
    const saved = savedQueue(this.eventId);
    const { status, position } = this.state;
    if (!saved || status !== 'queued' || position === null) return;
    if (saved.startPosition === null || saved.startPosition === undefined || position > saved.startPosition) {
      saved.startPosition = position;
      localStorage.setItem(queueStorage(this.eventId), JSON.stringify(saved));
    }
  }

  forget() {
    localStorage.removeItem(queueStorage(this.eventId));
    clearAccess(this.eventId);
  }

  rejoin() {
    this.forget();
    this.hooks.onToken();
    this.join();
  }

  fail(err) {
    if (this.gone) return;
    this.errorText = err.retryAfterS > 0
      ? `The waiting room is busy. We try again in ${err.retryAfterS} s.` : err.message || String(err);
    this.set({ status: 'error' });
  }

  set(patch) {
    this.state = { ...this.state, ...patch };
    this.update();
  }

  showTrouble(text) {
    this.trouble.textContent = text;
    this.trouble.hidden = false;
  }

  // --- view ---------------------------------------------------------------------------
  render() {
    const stat = (label, testid) => {
      const value = h('strong', { class: 'queue-value', dataset: { testid } }, '—');
      return { value, el: h('div', { class: 'queue-stat' }, h('span', { class: 'muted small' }, label), value) };
    };
    this.title = h('h2', { class: 'queue-title' });
    this.lead = h('p', { class: 'muted queue-lead' });
    this.countdown = h('div', { class: 'queue-countdown', role: 'timer', dataset: { testid: 'queue-countdown' }, hidden: true });
    this.positionStat = stat('Your place in line', 'queue-position');
    this.lengthStat = stat('People in queue', 'queue-length');
    this.etaStat = stat('Estimated wait', 'queue-eta');
    this.stats = h('div', { class: 'queue-stats' }, this.positionStat.el, this.lengthStat.el, this.etaStat.el);
    this.bar = h('i');
    this.progress = h('div', { class: 'progress queue-progress', role: 'progressbar', 'aria-label': 'Progress through the line',
      'aria-valuemin': '0', 'aria-valuemax': '100', dataset: { testid: 'queue-progress' } }, this.bar);
    this.trouble = h('p', { class: 'note', hidden: true });
    this.retry = h('button', { class: 'btn primary', type: 'button', dataset: { testid: 'queue-rejoin' }, hidden: true,
      onclick: () => this.rejoin() }, 'Join the line again');
    const rate = this.room.admitPerMinute
      ? `Letting in about ${plural(this.room.admitPerMinute, 'person', 'people')} a minute${this.room.activeMax ? `, up to ${this.room.activeMax.toLocaleString('en-US')} shopping at once` : ''}.`
      : '';
    this.el = h('section', { class: 'card waiting-room', dataset: { testid: 'waiting-room', status: 'joining' }, 'aria-live': 'polite' },
      h('p', { class: 'eyebrow' }, 'Waiting room'),
      this.title, this.countdown, this.lead, this.stats, this.progress,
      rate ? h('p', { class: 'note' }, rate) : null,
      this.trouble, h('div', { class: 'actions' }, this.retry));
    this.container.replaceChildren(this.el);
    this.update();
  }

  tick() {
    if (this.gone) return;
    const { status } = this.state;
    if (status === 'pre_queue') {
      const left = (this.room.opensAtMs || 0) - serverNowMs();
      this.countdown.textContent = countdownText(left);
      if (left <= 0 && !this.openPollTimer) // everyone polls at the open; spread them out
        this.openPollTimer = setTimeout(() => this.poll(true), Math.random() * openJitterMsMax);
    }
    if (status === 'queued') this.showEta();
  }

  etaLeft() {
    const { etaSeconds } = this.state;
    if (etaSeconds === null) return null;
    return Math.max(0, etaSeconds - (performance.now() - this.etaBaseMs) / 1000);
  }

  showEta() {
    const left = this.etaLeft();
    const el = this.etaStat.value;
    el.textContent = left === null ? '—' : formatEta(Math.ceil(left));
    el.dataset.seconds = left === null ? '' : String(Math.ceil(left));
  }

  update() {
    const { status, position, queueLength } = this.state;
    this.el.dataset.status = status;
    const [title, lead] = this.texts(status);
    this.title.textContent = title;
    this.lead.textContent = lead;
    const counting = status === 'pre_queue' || status === 'queued' || status === 'admitted';
    this.countdown.hidden = status !== 'pre_queue';
    this.stats.hidden = !counting;
    this.positionStat.el.hidden = status === 'pre_queue';
    this.etaStat.el.hidden = status === 'pre_queue';
    this.lengthStat.el.querySelector('span').textContent = status === 'pre_queue' ? 'People waiting' : 'People in queue';
    this.positionStat.value.textContent = position === null ? '—' : position.toLocaleString('en-US');
    this.positionStat.value.dataset.position = position === null ? '' : String(position);
    this.lengthStat.value.textContent = queueLength === null ? '—' : queueLength.toLocaleString('en-US');
    this.showEta();
    this.progress.hidden = !(status === 'queued' || status === 'admitted');
    const share = this.progressShare();
    this.bar.style.width = `${Math.round(share * 100)}%`;
    this.progress.setAttribute('aria-valuenow', String(Math.round(share * 100)));
    this.progress.dataset.progress = share.toFixed(3);
    // The server admits each fan once per on-sale, so after "expired" joining
    // again would only return the same ended turn: offer a retry on errors only.
    this.retry.hidden = status !== 'error';
    this.retry.parentElement.hidden = this.retry.hidden;
    this.retry.textContent = status === 'error' ? 'Try again' : 'Join the line again';
    this.tick();
    if (this.hooks.onChange) this.hooks.onChange(this.snapshot());
  }

  progressShare() {
    const { status, position } = this.state;
    if (status === 'admitted') return 1;
    const saved = savedQueue(this.eventId);
    const start = saved && saved.startPosition;
    if (status !== 'queued' || position === null || !start) return 0;
    return Math.min(1, Math.max(0, (start - position + 1) / start));
  }

  texts(status) {
    const opens = this.room.opensAtMs ? new Date(this.room.opensAtMs - (serverNowMs() - Date.now())) : null;
    const at = opens ? opens.toLocaleTimeString(undefined, { hour: 'numeric', minute: '2-digit' }) : 'the start';
    switch (status) {
      case 'joining': return ['Joining the waiting room…', 'One moment while we save your place.'];
      case 'checking': return ['Checking your browser…', 'Your browser solves a small puzzle that keeps bots out of the line. This takes a few seconds; keep this page open.'];
      case 'pre_queue': return ['The sale opens in', `You’re in the waiting room. When the sale opens at ${at}, everyone here gets a random place in line, so arriving early or refreshing doesn’t change your chances. Keep this page open.`];
      case 'queued': return ['You’re in line', 'Keep this page open. When it’s your turn we take you to the seat map automatically.'];
      case 'admitted': return ['It’s your turn!', 'Taking you to the seat map…'];
      case 'expired': return ['Your turn has ended', 'You were let in, and your time to shop has run out (or you completed a purchase). Each fan is let in once per on-sale, to keep the line fair for everyone still waiting.'];
      case 'error': return ['We couldn’t get you into the line', this.errorText || 'Please try again.'];
      default: return ['Waiting room', ''];
    }
  }
}
