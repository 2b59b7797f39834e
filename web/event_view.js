// The event page: waiting room, seat map, selection, GA quantities, live updates,
// prices, the waitlist and holds. It owns the SeatModel; the canvas only draws it and
// reports clicks. Which pane shows:
//
//   loading ──► waiting (room enabled, no valid access) ──admitted──► map ◄──► checkout
//                  ▲                                                   │
//                  └──── 403 not_admitted, or the access time runs out ┘
//
// Checkout can open from any of them (a reload mid-checkout, a waitlist offer); closing
// it returns to the waiting room or the map, whichever the user is entitled to.

import { api, currentUser, onUserChange, serverNowMs } from './api.js';
import { Checkout, pendingPayment } from './checkout.js';
import { capitalize } from './events_view.js';
import { connectLive } from './live.js';
import { PriceTrends, arrow, showPrice } from './prices.js';
import { WaitingRoom, accessGrant, clearAccess, roomEnabled, savedQueue } from './queue.js';
import { SeatCanvas, seatColors } from './seat_canvas.js';
import { AVAILABLE, HELD, SOLD, SeatModel, statusCode, statusNames } from './seat_model.js';
import { formatDate, h, mmss, money, notify, plural, saleState, setChildren, showError } from './ui.js';
import { WaitlistCard, applyWaitlistPush, holdFromOffer, markWaitlist, setOpenCheckoutHold } from './waitlist.js';

const refetchMsMin = 2000;     // seat-map refetches are at least this far apart
const bufferedDeltasMax = 500; // deltas kept while a seat map loads; a refetch covers the rest
const conflictShowMs = 10000;
const accessTickMs = 1000;
const holdStorage = (eventId) => `holdfast.hold.${eventId}`;

// Puts a hold where the event page looks for one to resume (a reload, a waitlist offer).
export function saveHold(eventId, hold) {
  const user = currentUser();
  sessionStorage.setItem(holdStorage(eventId), JSON.stringify({ hold, userId: user && user.userId }));
}

export class EventPage {
  constructor(root, eventId) {
    this.root = root;
    this.eventId = eventId;
    this.event = null;
    this.model = null;
    this.loading = false;
    this.lastLoadMs = 0;
    this.refetchTimer = 0;
    this.buffer = [];
    this.pendingHold = new Set(); // seat ids in a hold request in flight
    this.checkout = null;
    this.room = null;          // the WaitingRoom while it shows
    this.queue = null;         // the last queue state, for the queueState() hook
    this.base = 'loading';     // 'waiting' or 'map': where closing a checkout returns to
    this.trends = new PriceTrends();
    this.gone = false;
    this.ready = new Promise((resolve) => { this.resolveReady = resolve; });
    this.render();
    this.live = connectLive(eventId, { onMessage: (m) => this.onLive(m), onState: (s) => this.setLiveState(s),
      identity: () => this.liveIdentity() });
    this.stopUserWatch = onUserChange(() => this.live.refresh());
    this.start();
  }

  unmount() {
    this.gone = true;
    this.live.close();
    this.stopUserWatch();
    this.map.destroy();
    if (this.checkout) this.checkout.destroy();
    if (this.room) this.room.destroy();
    if (this.waitlist) this.waitlist.destroy();
    setOpenCheckoutHold(null);
    clearTimeout(this.refetchTimer);
    clearTimeout(this.conflictTimer);
    clearInterval(this.accessTimer);
  }

  liveIdentity() {
    const user = currentUser();
    const queue = savedQueue(this.eventId);
    return { token: user && user.token, queueToken: queue && queue.queueToken };
  }

  // --- layout -----------------------------------------------------------------
  render() {
    this.head = h('header', { class: 'event-head' }, h('div', { class: 'skeleton-line' }));
    this.liveBadge = h('span', { class: 'live-status', dataset: { testid: 'live-status', state: 'connecting' } }, 'Connecting…');
    this.accessBadge = h('span', { class: 'access-badge', dataset: { testid: 'access-countdown' }, hidden: true,
      title: 'Time left to pick and hold seats before the next people in the line get their turn' });
    const canvas = h('canvas', { tabindex: '0', role: 'img', 'aria-label': 'Seat map. Use + and - to zoom, arrow keys to pan.',
      dataset: { testid: 'seat-canvas', state: 'loading' } });
    const tooltip = h('div', { class: 'seat-tooltip', dataset: { testid: 'seat-tooltip' }, hidden: true });
    this.mapStatus = h('div', { class: 'map-loading' }, 'Loading seat map…');
    const mapWrap = h('div', { class: 'map-wrap' }, canvas, tooltip, this.mapStatus);
    this.map = new SeatCanvas(canvas, tooltip, {
      onSeatClick: (i) => this.toggleSeat(i),
      describe: (i) => this.describeSeat(i),
    });
    this.canvas = canvas;
    const zoom = (label, text, fn) => h('button', { class: 'icon-btn', type: 'button', 'aria-label': label, title: label, onclick: fn }, text);
    this.mapPane = h('section', { class: 'map-pane card', dataset: { testid: 'map-pane' } },
      h('div', { class: 'map-toolbar' }, legend(),
        h('div', { class: 'zoom-controls' },
          zoom('Zoom in', '+', () => this.map.zoomCentre(1.5)),
          zoom('Zoom out', '−', () => this.map.zoomCentre(1 / 1.5)),
          zoom('Show the whole venue', '⤢', () => this.map.fit()))),
      mapWrap,
      h('p', { class: 'map-hint muted small' }, 'Scroll or pinch to zoom · drag to pan · click a seat to select it'));
    this.selectionBody = h('div');
    this.selectionCard = h('section', { class: 'card selection-card', dataset: { testid: 'selection' } },
      this.selectionBody, this.seatIdForm(), this.bestSeatsForm());
    this.gaCard = h('section', { class: 'card ga-card', dataset: { testid: 'ga-sections' }, hidden: true });
    this.sectionList = h('ul', { class: 'section-list', dataset: { testid: 'section-list' } });
    this.waitlistSlot = h('div', { class: 'waitlist-slot' });
    this.side = h('aside', { class: 'side' }, this.selectionCard, this.waitlistSlot, this.gaCard,
      h('section', { class: 'card sections-card', dataset: { testid: 'section-prices' } },
        h('div', { class: 'card-head' }, h('h2', { class: 'card-title' }, 'Sections & prices'),
          h('span', { class: 'muted small' }, 'per seat, live')),
        h('p', { class: 'note' }, 'Prices follow demand and can change at any moment. A hold locks the price you see for as long as it lasts.'),
        this.sectionList));
    this.checkoutPane = h('div', { class: 'checkout-pane', hidden: true });
    this.waitPane = h('div', { class: 'wait-pane' }, h('div', { class: 'card page-loading' }, 'Loading the event…'));
    this.mapPane.hidden = true;
    this.side.hidden = true;
    this.root.replaceChildren(h('div', { class: 'event-page' },
      h('a', { class: 'back-link', href: '#/' }, '← All events'), this.head,
      h('div', { class: 'event-body' }, this.waitPane, this.mapPane, this.side, this.checkoutPane)));
  }

  // Shows one of 'waiting', 'map', 'checkout'.
  setMode(mode) {
    this.mode = mode;
    this.waitPane.hidden = mode !== 'waiting';
    this.mapPane.hidden = mode !== 'map';
    this.side.hidden = mode !== 'map';
    this.checkoutPane.hidden = mode !== 'checkout';
  }

  renderHead() {
    const ev = this.event;
    const sale = saleState({ ...ev, status: (this.model && this.model.status) || ev.status }, serverNowMs());
    this.head.replaceChildren(
      h('div', {},
        h('p', { class: 'eyebrow' }, [capitalize(ev.category || ''), formatDate(ev.startsAt)].filter(Boolean).join(' · ')),
        h('h1', { dataset: { testid: 'event-title' } }, ev.name),
        h('p', { class: 'muted' }, [ev.artist, ev.venue && `${ev.venue.name}, ${ev.venue.city}`].filter(Boolean).join(' · '))),
      h('div', { class: 'event-head-side' },
        h('span', { class: `badge badge-${sale.key}`, dataset: { testid: 'event-status', status: sale.key },
          title: sale.detail || null }, sale.label),
        this.liveBadge, this.accessBadge));
  }

  setLiveState(state) {
    const text = { connecting: 'Connecting…', live: 'Live', reconnecting: 'Reconnecting…' }[state] || state;
    this.liveBadge.dataset.state = state;
    this.liveBadge.textContent = text;
    this.liveBadge.title = state === 'live' ? 'Seat availability updates in real time' : 'Live updates paused; retrying';
  }

  // --- loading and live updates -------------------------------------------------
  async start() {
    try {
      this.event = await api('GET', `/v1/events/${encodeURIComponent(this.eventId)}`);
    } catch (err) {
      if (this.gone) return;
      this.head.replaceChildren(h('h1', {}, 'Event not available'));
      this.waitPane.replaceChildren(h('div', { class: 'card page-loading' }, 'This event could not be loaded.'));
      showError(err);
      return;
    }
    if (this.gone) return;
    document.title = `${this.event.name} · holdfast`;
    this.renderHead();
    this.restoreHold();
    if (roomEnabled(this.event) && !accessGrant(this.eventId)) this.enterWaitingRoom();
    else this.enterMap();
  }

  // --- waiting room ---------------------------------------------------------------
  enterWaitingRoom() {
    this.base = 'waiting';
    clearInterval(this.accessTimer);
    this.accessBadge.hidden = true;
    if (!this.room)
      this.room = new WaitingRoom(this.waitPane, {
        event: this.event,
        onAdmitted: (grant) => this.onAdmitted(grant),
        onToken: () => this.live.refresh(),
        onChange: (state) => { this.queue = state; },
      });
    if (!this.checkout) this.setMode('waiting');
  }

  onAdmitted(grant) {
    if (this.room) this.room.destroy();
    this.room = null;
    this.queue = { ...(this.queue || {}), status: 'admitted', position: 0, etaSeconds: 0 };
    const left = grant.accessExpiresAtMs ? grant.accessExpiresAtMs - serverNowMs() : 0;
    notify(left > 0 ? `It’s your turn! You have ${mmss(left)} to pick and hold seats.` : 'It’s your turn! Pick your seats.', 'success', 'admitted');
    this.enterMap();
  }

  enterMap() {
    this.base = 'map';
    if (!this.checkout) this.setMode('map');
    if (roomEnabled(this.event)) this.watchAccess();
    if (!this.model && !this.loading) this.loadSeatmap();
  }

  // The admission lasts until accessExpiresAtMs; then the map gives way to the line.
  watchAccess() {
    clearInterval(this.accessTimer);
    const tick = () => {
      const grant = accessGrant(this.eventId);
      if (grant && grant.accessExpiresAtMs) {
        this.accessBadge.hidden = false;
        this.accessBadge.textContent = `Your turn: ${mmss(grant.accessExpiresAtMs - serverNowMs())} left`;
      } else this.accessBadge.hidden = true;
      if (!grant && this.base === 'map' && !this.checkout) this.backToLine('Your time to pick seats is up. You are back in the waiting room.');
    };
    this.accessTimer = setInterval(tick, accessTickMs);
    tick();
  }

  backToLine(text) {
    clearAccess(this.eventId);
    notify(text, 'info', 'not_admitted');
    this.enterWaitingRoom();
  }

  accessHeaders() {
    const grant = roomEnabled(this.event) ? accessGrant(this.eventId) : null;
    return grant ? { 'Access-Token': grant.accessToken } : {};
  }

  queueState() {
    if (!roomEnabled(this.event)) return null;
    if (this.room) return this.room.snapshot();
    return this.queue || (accessGrant(this.eventId) ? { status: 'admitted', position: 0, etaSeconds: 0 } : null);
  }

  prices() {
    return this.model ? Object.fromEntries(this.model.sections.map((s) => [s.section, s.price])) : null;
  }

  async loadSeatmap() {
    this.loading = true;
    let next = null;
    let retryMs = 0;
    try {
      const data = await api('GET', `/v1/events/${encodeURIComponent(this.eventId)}/seatmap`);
      next = new SeatModel(data);
    } catch (err) {
      if (err.code === 'rate_limited') retryMs = err.retryAfterS * 1000;
      if (!this.gone) {
        showError(err, 'Seat map');
        if (!this.model) this.mapStatus.textContent = 'The seat map could not be loaded. Retrying…';
      }
    }
    this.loading = false;
    this.lastLoadMs = performance.now();
    if (this.gone) return;
    if (!next) { this.refetch(retryMs); return; }
    this.adopt(next);
    const buffered = this.buffer;
    this.buffer = [];
    for (const msg of buffered) {
      // A hello that predates this seat map says nothing new; live ones still count.
      if (msg.type === 'hello' && msg.version <= next.version) continue;
      this.applyLive(msg);
    }
  }

  adopt(next) {
    const old = this.model;
    if (old) {
      this.trends.note(next.sections.map((s) => {
        const k = old.sectionByName.get(s.section);
        return { section: s.section, before: k === undefined ? s.price : old.sections[k].price, after: s.price };
      }));
      const lost = [];
      for (const i of old.selectedOrder) {
        const j = next.indexOf(old.ids[i]);
        if (j >= 0 && next.state[j] === AVAILABLE) next.select(j);
        else if (!this.pendingHold.has(old.ids[i])) lost.push(old.ids[i]);
      }
      this.map.conflicts = new Set([...this.map.conflicts].map((i) => next.indexOf(old.ids[i])).filter((j) => j >= 0));
      this.noticeLost(lost);
    }
    this.model = next;
    this.map.setModel(next);
    this.mapStatus.hidden = true;
    this.canvas.dataset.state = 'ready';
    this.canvas.dataset.version = String(next.version);
    this.canvas.setAttribute('aria-label', `Seat map with ${plural(next.count, 'seat')}. Use + and - to zoom, arrow keys to pan.`);
    if (this.event) this.renderHead();
    this.renderSide();
    this.resolveReady();
  }

  onLive(msg) {
    if (msg.eventId !== undefined && String(msg.eventId) !== String(this.eventId)) return;
    if (msg.type === 'queue') { if (this.room) this.room.onPush(msg); return; }
    if (msg.type === 'waitlist') { applyWaitlistPush(msg, this.event); return; }
    if (!this.model || this.loading || this.refetchTimer) {
      this.buffer.push(msg);
      if (this.buffer.length > bufferedDeltasMax) this.buffer.shift();
      return;
    }
    this.applyLive(msg);
  }

  // Deltas carry absolute statuses, so a delta that starts at or before our version
  // and ends after it is safe to apply; one that starts after it means we missed some.
  applyLive(msg) {
    const ours = this.model.version;
    if (msg.type === 'hello') {
      if (msg.version !== ours) this.refetch();
      return;
    }
    if (msg.type !== 'delta' || msg.version <= ours) return;
    if (msg.fromVersion > ours) { this.refetch(); return; }
    this.applyDelta(msg);
  }

  applyDelta(msg) {
    const m = this.model;
    const lost = [];
    for (const { seatId, status } of msg.seats || []) {
      const i = m.indexOf(seatId);
      if (i < 0) continue;
      m.state[i] = statusCode(status);
      if (m.state[i] !== AVAILABLE && m.selected[i] && !this.pendingHold.has(seatId)) {
        m.unselect(i);
        lost.push(seatId);
      }
    }
    const moved = m.applySections(msg.sections);
    m.version = msg.version;
    this.canvas.dataset.version = String(m.version);
    this.noticeLost(lost);
    if (msg.seats && msg.seats.length) this.map.redraw(); // prices and counts are not drawn
    if (moved.length) {
      this.trends.note(moved);
      this.map.refreshTooltip();
    }
    this.scheduleSide();
  }

  // minWaitMs: a Retry-After the server asked for.
  refetch(minWaitMs = 0) {
    if (this.loading || this.refetchTimer || this.gone) return;
    const waitMs = Math.max(minWaitMs, this.lastLoadMs + refetchMsMin - performance.now());
    this.refetchTimer = setTimeout(() => {
      this.refetchTimer = 0;
      this.loadSeatmap();
    }, waitMs);
  }

  noticeLost(ids) {
    if (!ids.length) return;
    const list = ids.join(', ');
    notify(`${list} ${ids.length === 1 ? 'was' : 'were'} just taken by someone else and removed from your selection.`, 'info', 'seat_taken');
    this.scheduleSide();
  }

  // --- selection ----------------------------------------------------------------
  maxSeats() {
    return (this.event && this.event.maxSeatsPerUser) || 8;
  }

  onSale() {
    return ((this.model && this.model.status) || (this.event && this.event.status)) === 'on_sale';
  }

  describeSeat(i) {
    const m = this.model;
    const section = m.sectionOf(i);
    const status = m.shownStatus(i);
    const parts = [status === 'available' ? '' : status === 'selected' ? 'Selected · click to remove' : capitalize(status)];
    const move = this.trends.trend(section.section);
    if (move) parts.push(`Price ${arrow(move.dir)} from ${money(move.before, this.currency())}`);
    return { title: `${m.ids[i]} · ${money(section.price, this.currency())}`, detail: parts.filter(Boolean).join(' · ') };
  }

  currency() {
    return (this.event && this.event.currency) || 'USD';
  }

  // Returns why a seat cannot be added, or '' after adding it.
  addSeat(i) {
    const m = this.model;
    if (m.selected[i]) return '';
    if (m.state[i] !== AVAILABLE) return 'unavailable';
    if (m.selectedOrder.length >= this.maxSeats()) return 'limit';
    m.select(i);
    return '';
  }

  toggleSeat(i) {
    if (this.checkout) return;
    const m = this.model;
    if (m.selected[i]) m.unselect(i);
    else {
      const why = this.addSeat(i);
      if (why === 'limit') notify(`You can pick up to ${this.maxSeats()} seats for this event.`, 'info', 'limit');
      if (why === 'unavailable') notify(`${m.ids[i]} is ${statusNames[m.state[i]]}. Pick an available (green) seat.`, 'info');
    }
    this.map.redraw();
    this.renderSelection();
  }

  // Test hook: select seats by id; returns {selected, rejected: [{seatId, reason}]}.
  selectSeats(ids) {
    const rejected = [];
    if (!this.model) return { selected: [], rejected: ids.map((seatId) => ({ seatId, reason: 'not_ready' })) };
    for (const seatId of ids) {
      const i = this.model.indexOf(seatId);
      const why = i < 0 ? 'unknown_seat' : this.checkout ? 'checkout_open' : this.addSeat(i);
      if (why) rejected.push({ seatId, reason: why });
    }
    this.map.redraw();
    this.renderSelection();
    return { selected: this.selectedSeats(), rejected };
  }

  selectedSeats() {
    return this.model ? this.model.selectedOrder.map((i) => this.model.ids[i]) : [];
  }

  clearSelection() {
    if (!this.model) return;
    this.model.clearSelection();
    this.map.redraw();
    this.renderSelection();
  }

  seatStatus(seatId) {
    const i = this.model ? this.model.indexOf(seatId) : -1;
    return i < 0 ? null : this.model.shownStatus(i);
  }

  seatPosition(seatId) {
    const i = this.model ? this.model.indexOf(seatId) : -1;
    return i < 0 ? null : this.map.clientPosition(i);
  }

  // --- side panel -----------------------------------------------------------------
  scheduleSide() {
    if (this.sideFrame) return;
    this.sideFrame = requestAnimationFrame(() => {
      this.sideFrame = 0;
      if (!this.gone) this.renderSide();
    });
  }

  renderSide() {
    if (!this.model) return;
    this.renderSelection();
    this.renderBestSections();
    this.renderWaitlist();
    this.renderGa();
    this.renderSections();
  }

  renderWaitlist() {
    if (!this.waitlist) {
      this.waitlist = new WaitlistCard({
        event: this.event, maxSeats: this.maxSeats(),
        onSeatsAvailable: (section) => { if (section) this.map.focusSection(section); },
        onPay: (entry) => this.openOffer(entry),
      });
      this.waitlistSlot.replaceChildren(this.waitlist.el);
    }
    this.waitlist.update(this.model);
  }

  renderSelection() {
    const m = this.model;
    const cur = this.currency();
    const picks = m.selectedOrder;
    const total = picks.reduce((sum, i) => sum + m.sectionOf(i).price, 0);
    const button = h('button', { class: 'btn primary block', type: 'button', dataset: { testid: 'hold-button' },
      disabled: !picks.length || !this.onSale(), onclick: () => this.holdSeats() },
    !this.onSale() ? 'Not on sale' : picks.length ? `Hold ${plural(picks.length, 'seat')}` : 'Hold seats');
    setChildren(this.selectionBody,
      h('div', { class: 'card-head' }, h('h2', { class: 'card-title' }, 'Your seats'),
        h('span', { class: 'muted small', dataset: { testid: 'selection-count' } }, `${picks.length} / ${this.maxSeats()}`)),
      picks.length
        ? h('ul', { class: 'chips' }, picks.map((i) => h('li', { class: 'chip', dataset: { testid: 'selected-seat', seatId: m.ids[i] } },
          h('span', {}, m.ids[i]), h('span', { class: 'muted' }, money(m.sectionOf(i).price, cur)),
          h('button', { type: 'button', class: 'chip-x', 'aria-label': `Remove ${m.ids[i]}`,
            onclick: () => this.toggleSeat(i) }, '×'))))
        : h('p', { class: 'muted small' }, 'Click available seats on the map to pick them.'),
      h('div', { class: 'total-row' }, h('span', {}, 'Total'),
        h('strong', { dataset: { testid: 'selection-total' } }, money(total, cur))),
      picks.length ? h('p', { class: 'note', dataset: { testid: 'price-note' } }, 'Prices can change until you hold; holding locks them.') : null,
      button,
      picks.length ? h('button', { class: 'btn link', type: 'button', dataset: { testid: 'clear-selection' },
        onclick: () => this.clearSelection() }, 'Clear selection') : null);
  }

  // GA rows and section rows are built once and then updated in place, so a
  // delta never resets a quantity being typed or steals keyboard focus.
  // Picking a seat by its id: the keyboard and screen-reader way in, and handy on phones.
  seatIdForm() {
    const input = h('input', { id: 'seat-id', placeholder: 'Seat id, e.g. 101-C-12', autocomplete: 'off',
      spellcheck: 'false', dataset: { testid: 'seat-id-input' } });
    const form = h('form', { class: 'seat-id-form' },
      h('label', { class: 'sr-only', for: 'seat-id' }, 'Add a seat by id'), input,
      h('button', { class: 'btn', type: 'submit', dataset: { testid: 'seat-id-add' } }, 'Add'));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const id = input.value.trim().toUpperCase();
      if (!id || !this.model) return;
      const { rejected } = this.selectSeats([id]);
      const why = rejected.length ? rejected[0].reason : '';
      const text = { unknown_seat: `There is no seat ${id}.`, unavailable: `${id} is not available.`,
        limit: `You can pick up to ${this.maxSeats()} seats for this event.` }[why];
      if (text) notify(text, 'info', why);
      else { input.value = ''; this.map.focusSeat(this.model.indexOf(id)); }
    });
    return form;
  }

  // "Best available": the event picks and holds seats side by side nearest the
  // stage, in one section or any, at the moment it decides, so fans asking at once
  // get different seats instead of racing for the same ones. A way in without
  // pointing at a map, for keyboards and phones.
  bestSeatsForm() {
    this.bestSection = h('select', { id: 'best-section', dataset: { testid: 'best-section' } },
      h('option', { value: '' }, 'Any section'));
    const quantity = this.bestQuantity = h('input', { id: 'best-quantity', type: 'number', min: '1',
      value: '2', inputmode: 'numeric', dataset: { testid: 'best-quantity' } });
    const button = h('button', { class: 'btn', type: 'submit', dataset: { testid: 'best-hold' } }, 'Hold best');
    const form = h('form', { class: 'best-seats-form', dataset: { testid: 'best-seats' } },
      h('label', { for: 'best-quantity' }, 'Best available'), quantity,
      h('label', { class: 'sr-only', for: 'best-section' }, 'Section'), this.bestSection, button);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      if (!this.model || this.checkout || button.disabled) return;
      const want = Math.floor(Number(quantity.value));
      if (!(want >= 1)) return notify('How many seats? Enter a number.', 'info', 'quantity');
      if (want > this.maxSeats()) return notify(`You can hold up to ${this.maxSeats()} seats for this event.`, 'info', 'limit');
      button.disabled = true;
      button.textContent = 'Holding…';
      try {
        await this.holdBest(want, this.bestSection.value);
      } finally {
        button.disabled = false;
        button.textContent = 'Hold best';
      }
    });
    return form;
  }

  async holdBest(quantity, section) {
    const body = section ? { section, quantity } : { quantity };
    try {
      const hold = await api('POST', `/v1/events/${encodeURIComponent(this.eventId)}/holds`,
        { body, auth: true, headers: this.accessHeaders() });
      this.markSeats(hold.seats, HELD);
      this.openCheckout(hold);
      const first = hold.seats[0], last = hold.seats[hold.seats.length - 1];
      notify(`Holding ${hold.seats.length === 1 ? first : `${first} to ${last}`}, side by side.`, 'success', 'best_held');
    } catch (err) {
      if (err.code === 'seat_unavailable') notify(`${err.message}.`, 'info', 'none_together');
      else this.onHoldError(err);
    }
  }

  // The best-available form's section list: the assigned sections, once the map is in.
  renderBestSections() {
    this.bestQuantity.max = String(this.maxSeats());
    const names = this.model.sections.filter((s) => s.kind !== 'ga' && s.seatCount > 0).map((s) => s.section);
    if (this.bestSection.options.length === names.length + 1) return;
    const chosen = this.bestSection.value;
    this.bestSection.replaceChildren(h('option', { value: '' }, 'Any section'),
      ...names.map((name) => h('option', { value: name }, name)));
    if (names.includes(chosen)) this.bestSection.value = chosen;
  }

  renderGa() {
    const ga = this.model.sections.filter((s) => s.kind === 'ga');
    this.gaCard.hidden = !ga.length;
    if (!this.gaRows || this.gaRows.size !== ga.length) {
      this.gaRows = new Map(ga.map((s) => [s.section, this.gaRow(s.section)]));
      this.gaCard.replaceChildren(h('h2', { class: 'card-title' }, 'General admission'),
        ...[...this.gaRows.values()].map((r) => r.el));
    }
    for (const r of this.gaRows.values()) r.update();
  }

  gaRow(name) {
    const section = () => this.model.sections[this.model.sectionByName.get(name)] || { available: 0, price: 0, capacity: 0 };
    const info = h('p', { class: 'muted small' });
    const qty = h('input', { type: 'number', min: '1', value: '2', inputmode: 'numeric', class: 'qty-input',
      'aria-label': `Quantity for ${name}`, dataset: { testid: 'ga-quantity', section: name } });
    const hold = h('button', { class: 'btn', type: 'button', dataset: { testid: 'ga-hold-button', section: name } });
    const clamp = (force = true) => {
      const s = section();
      const max = Math.max(1, Math.min(this.maxSeats(), s.available));
      const v = Math.min(Math.max(1, Math.round(Number(qty.value) || 1)), max);
      qty.max = String(max);
      if ((force || document.activeElement !== qty) && String(v) !== qty.value) qty.value = String(v);
      hold.textContent = `Hold ${v}`;
      hold.disabled = !this.onSale() || s.available < 1 || !!this.checkout;
      return v;
    };
    const step = (d) => h('button', { type: 'button', class: 'icon-btn', 'aria-label': d > 0 ? 'One more' : 'One fewer',
      onclick: () => { qty.value = String((Number(qty.value) || 1) + d); clamp(); } }, d > 0 ? '+' : '−');
    qty.addEventListener('input', () => clamp(false)); // no rewriting while the user types
    qty.addEventListener('change', () => clamp());
    hold.addEventListener('click', () => this.holdGa(name, clamp()));
    const update = () => {
      const s = section(), cur = this.currency();
      const move = this.trends.trend(name);
      info.textContent = `${money(s.price, cur)}${move ? ` ${arrow(move.dir)}` : ''} each · ${s.available.toLocaleString('en-US')} of ${s.capacity.toLocaleString('en-US')} left`;
      clamp(false);
    };
    const el = h('div', { class: 'ga-row', dataset: { testid: 'ga-section', section: name } },
      h('div', {}, h('strong', {}, name), info),
      h('div', { class: 'ga-controls' }, h('div', { class: 'stepper' }, step(-1), qty, step(1)), hold));
    return { el, update };
  }

  renderSections() {
    const sections = this.model.sections;
    if (!this.sectionRows || this.sectionRows.length !== sections.length) {
      this.sectionRows = sections.map((s) => this.sectionRow(s.section, s.kind));
      this.sectionList.replaceChildren(...this.sectionRows.map((r) => r.el));
    }
    this.sectionRows.forEach((r, k) => r.update(sections[k]));
  }

  sectionRow(name, kind) {
    const tier = h('span', { class: 'sec-tier muted small' });
    const bar = h('i');
    const avail = h('span', { class: 'sec-avail small' });
    const price = h('span', { class: 'sec-price', dataset: { testid: 'section-price', section: name } });
    const go = () => (kind === 'ga' ? this.gaCard.querySelector('input')?.focus() : this.map.focusSection(name));
    const button = h('button', { type: 'button', class: 'section-row', onclick: go,
      dataset: { testid: 'section-row', section: name },
      title: kind === 'ga' ? 'General admission' : `Show section ${name} on the map` },
    h('span', { class: 'sec-name' }, name), tier, h('span', { class: 'sec-bar', 'aria-hidden': 'true' }, bar), avail, price);
    const update = (s) => {
      tier.textContent = s.kind === 'ga' ? 'GA' : capitalize(s.tier || '');
      bar.style.width = `${s.capacity ? Math.round((s.available / s.capacity) * 100) : 0}%`;
      avail.textContent = s.available ? `${s.available.toLocaleString('en-US')} left` : 'Sold out';
      showPrice(price, s.price, this.trends.trend(name), (c) => money(c, this.currency()));
      button.dataset.available = String(s.available);
    };
    return { el: h('li', {}, button), update };
  }

  // --- holds ------------------------------------------------------------------------
  async holdSeats() {
    const m = this.model;
    const ids = m.selectedOrder.map((i) => m.ids[i]);
    if (!ids.length || this.checkout) return;
    this.setConflicts([]);
    this.pendingHold = new Set(ids);
    const button = this.selectionCard.querySelector('[data-testid="hold-button"]');
    button.disabled = true;
    button.textContent = 'Holding…';
    try {
      const hold = await api('POST', `/v1/events/${encodeURIComponent(this.eventId)}/holds`,
        { body: { seats: ids }, auth: true, headers: this.accessHeaders() });
      this.markSeats(hold.seats && hold.seats.length ? hold.seats : ids, HELD);
      this.openCheckout(hold);
    } catch (err) {
      if (err.code === 'seat_unavailable') this.onSeatsUnavailable(err);
      else this.onHoldError(err);
    } finally {
      this.pendingHold = new Set();
      if (!this.gone) this.dropUnavailable();
    }
  }

  // Seats a delta marked taken while their hold request was in flight, and the
  // request then failed: they cannot stay selected.
  dropUnavailable() {
    const m = this.model;
    const lost = m.selectedOrder.filter((i) => m.state[i] !== AVAILABLE);
    for (const i of lost) m.unselect(i);
    this.noticeLost(lost.map((i) => m.ids[i]));
    this.map.redraw();
    this.renderSelection();
  }

  onSeatsUnavailable(err) {
    const m = this.model;
    const bad = (err.details.seats || []).map((id) => m.indexOf(id)).filter((i) => i >= 0);
    for (const i of bad) {
      m.unselect(i);
      if (m.state[i] === AVAILABLE) m.state[i] = HELD; // the server says so; a delta will refine it
    }
    this.setConflicts(bad);
    const names = bad.map((i) => m.ids[i]).join(', ');
    notify(`${err.message}${names ? `: ${names}` : ''}`, 'error', err.code);
    this.map.redraw();
  }

  setConflicts(indices) {
    clearTimeout(this.conflictTimer);
    this.map.conflicts = new Set(indices);
    this.map.redraw();
    if (indices.length) this.conflictTimer = setTimeout(() => this.setConflicts([]), conflictShowMs);
  }

  async holdGa(section, quantity) {
    if (this.checkout) return;
    try {
      const hold = await api('POST', `/v1/events/${encodeURIComponent(this.eventId)}/holds`,
        { body: { section, quantity }, auth: true, headers: this.accessHeaders() });
      this.openCheckout(hold);
    } catch (err) {
      this.onHoldError(err);
    }
  }

  onHoldError(err) {
    if (err.code === 'not_admitted' && roomEnabled(this.event))
      this.backToLine('Your turn in the waiting room is over or not valid on this device. You are back in the line.');
    else showError(err);
  }

  markSeats(ids, state) {
    if (!this.model) return;
    for (const id of ids) {
      const i = this.model.indexOf(id);
      if (i < 0) continue;
      this.model.unselect(i);
      this.model.state[i] = state;
    }
    this.map.redraw();
  }

  // --- checkout -----------------------------------------------------------------------
  openCheckout(hold) {
    saveHold(this.eventId, hold);
    this.setMode('checkout');
    setOpenCheckoutHold(hold.holdId);
    this.checkout = new Checkout(this.checkoutPane, {
      hold, event: this.event, onClose: (reason) => this.onCheckoutClose(hold, reason),
      priceNow: () => (this.model ? this.model.priceOf(hold) : null),
    });
    window.scrollTo({ top: 0 });
  }

  // A waitlist offer is a hold made for the user: pay it in the usual checkout.
  openOffer(entry) {
    if (this.checkout) {
      notify('Finish or cancel the checkout that is open first.', 'info');
      return;
    }
    this.openCheckout(holdFromOffer(entry));
  }

  onCheckoutClose(hold, reason) {
    sessionStorage.removeItem(holdStorage(this.eventId));
    setOpenCheckoutHold(null);
    if (hold.waitlistId && reason === 'paid') markWaitlist(hold.waitlistId, { status: 'fulfilled' });
    if (hold.waitlistId && reason === 'cancelled') markWaitlist(hold.waitlistId, { status: 'expired' });
    if (reason === 'paid') { this.markSeats(hold.seats || [], SOLD); return; } // confirmation stays up
    if (reason === 'refunded') return; // the explanation stays up
    if (reason === 'cancelled') this.markSeats(hold.seats || [], AVAILABLE);
    this.checkout.destroy();
    this.checkout = null;
    this.checkoutPane.replaceChildren();
    if (this.base === 'map' && roomEnabled(this.event) && !accessGrant(this.eventId)) this.enterWaitingRoom();
    else if (this.base === 'map') this.enterMap();
    else this.setMode(this.base === 'waiting' ? 'waiting' : 'map');
    this.renderSide();
  }

  // A reload during checkout comes back to the same hold while it lasts (or while a
  // payment of it is pending); a waitlist offer paid from elsewhere arrives the same way.
  restoreHold() {
    let saved = null;
    try { saved = JSON.parse(sessionStorage.getItem(holdStorage(this.eventId)) || 'null'); } catch { saved = null; }
    const user = currentUser();
    const live = saved && saved.hold && (saved.hold.expiresAtMs > serverNowMs() || pendingPayment(saved.hold.holdId));
    if (!live || !user || saved.userId !== user.userId) {
      sessionStorage.removeItem(holdStorage(this.eventId));
      return false;
    }
    if (this.gone || this.checkout) return false;
    this.openCheckout(saved.hold);
    return true;
  }
}

function legend() {
  // The colour through the CSSOM: a style attribute would need CSP's 'unsafe-inline'.
  const swatch = (key) => { const el = h('i', { class: 'swatch' }); el.style.background = seatColors[key]; return el; };
  const item = (key, label) => h('li', {}, swatch(key), label);
  return h('ul', { class: 'legend', dataset: { testid: 'legend' } },
    item('available', 'Available'), item('selected', 'Your pick'), item('held', 'Held'), item('sold', 'Sold'));
}
