// The user's waitlist places. Their ids (with what we last heard of each) are kept in
// localStorage, polled every pollMs while any is waiting or offered, and updated at once
// by live "waitlist" pushes. Views subscribe to changes: the event page's waitlist card,
// "My orders", and the offer banner under the header.
//
//   waiting ──(seats free up: a hold is made for you)──► offered ──(paid)──► fulfilled
//                                                           └──(lapses or declined)──► expired

import { api, currentUser, onUserChange, serverNowMs } from './api.js';
import { lineItems } from './checkout.js';
import { h, mmss, money, notify, plural, setChildren, showError } from './ui.js';

const storageKey = 'holdfast.waitlist';
const pollMs = 5000;
const entriesMax = 30;       // oldest finished entries are dropped beyond this
const tickMs = 1000;         // offer countdowns
export const quantityMax = 8;

let all = load();            // every user's entries on this device, newest first
const listeners = new Set();
let pollTimer = 0;
let polling = false;
let ticker = 0;
let openCheckoutHoldId = null; // the offer being paid is not advertised in the banner

function load() {
  try {
    const list = JSON.parse(localStorage.getItem(storageKey) || '[]');
    return Array.isArray(list) ? list.filter((e) => e && e.waitlistId) : [];
  } catch {
    return [];
  }
}

function save() {
  const finished = all.filter((e) => !isActive(e));
  if (all.length > entriesMax) {
    const drop = new Set(finished.slice(entriesMax - all.length).map((e) => e.waitlistId));
    all = all.filter((e) => !drop.has(e.waitlistId));
  }
  try { localStorage.setItem(storageKey, JSON.stringify(all)); } catch { /* full: keep in memory */ }
}

function changed() {
  save();
  for (const fn of listeners) fn();
  ensurePolling();
  ensureTicker();
}

const isActive = (e) => e.status === 'waiting' || e.status === 'offered';

// What to show: an offer past its expiry is over even before the server says so.
export function shownStatus(e) {
  if (e.status === 'offered' && e.offerExpiresAtMs && e.offerExpiresAtMs <= serverNowMs()) return 'expired';
  return e.status;
}

// The signed-in user's entries, newest first; only those of eventId when given.
export function waitlistEntries(eventId) {
  const user = currentUser();
  if (!user) return [];
  return all.filter((e) => e.userId === user.userId && (eventId === undefined || String(e.eventId) === String(eventId)));
}

export function liveOffers() {
  return waitlistEntries().filter((e) => shownStatus(e) === 'offered' && e.holdId && e.holdId !== openCheckoutHoldId);
}

export function onWaitlistChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

export function setOpenCheckoutHold(holdId) {
  openCheckoutHoldId = holdId || null;
  for (const fn of listeners) fn();
}

function merge(waitlistId, patch) {
  const e = all.find((x) => x.waitlistId === waitlistId);
  if (!e) return null;
  const wasOffered = e.status === 'offered' && e.holdId;
  for (const [key, value] of Object.entries(patch)) if (value !== undefined) e[key] = value;
  e.updatedAtMs = Date.now();
  if (!wasOffered && e.status === 'offered' && e.holdId)
    notify(`Good news: ${plural(e.quantity || (e.seats || []).length || 1, 'ticket')} from the waitlist ${e.eventName ? `for ${e.eventName} ` : ''}are held for you. Pay before the offer runs out.`, 'success', 'waitlist_offer');
  return e;
}

export function markWaitlist(waitlistId, patch) {
  if (merge(waitlistId, patch)) changed();
}

// POST /v1/events/{id}/waitlist. section: a section name, or '' / null for any.
export async function joinWaitlist(event, section, quantity) {
  const body = { quantity };
  if (section) body.section = section;
  const res = await api('POST', `/v1/events/${encodeURIComponent(event.eventId)}/waitlist`, { auth: true, body });
  const user = currentUser();
  all = all.filter((e) => e.waitlistId !== res.waitlistId);
  all.unshift({ waitlistId: res.waitlistId, eventId: String(event.eventId), eventName: event.name, userId: user && user.userId,
    section: section || null, quantity, position: res.position ?? null, status: res.status || 'waiting',
    createdAtMs: Date.now(), updatedAtMs: Date.now() });
  changed();
  return res;
}

// A live {"type": "waitlist", ...} message on the socket of `event`. An offer for a place
// this browser does not know (joined on another device) is added, so it can be paid here.
export function applyWaitlistPush(msg, event) {
  if (!msg || !msg.waitlistId) return;
  const user = currentUser();
  if (!all.some((e) => e.waitlistId === msg.waitlistId) && msg.status === 'offered' && user && event) {
    all.unshift({ waitlistId: msg.waitlistId, eventId: String(event.eventId), eventName: event.name, userId: user.userId,
      section: null, quantity: (msg.seats || []).length || null, status: 'waiting', createdAtMs: Date.now() });
  }
  if (merge(msg.waitlistId, pick(msg))) changed();
}

function pick(x) {
  return { status: x.status, position: x.position, holdId: x.holdId, offerExpiresAtMs: x.offerExpiresAtMs,
    seats: x.seats, total: x.total, section: x.section, quantity: x.quantity };
}

// The hold an offer stands for, in the shape Checkout takes.
export function holdFromOffer(e) {
  return { holdId: e.holdId, eventId: e.eventId, expiresAtMs: e.offerExpiresAtMs,
    expiresAt: new Date(e.offerExpiresAtMs).toISOString(), seats: e.seats || [],
    section: (e.seats || []).length ? undefined : e.section, quantity: e.quantity, total: e.total || 0, waitlistId: e.waitlistId };
}

// --- polling ------------------------------------------------------------------------------
function ensurePolling() {
  if (!pollTimer && !polling && waitlistEntries().some(isActive)) pollTimer = setTimeout(pollAll, pollMs);
}

async function pollAll() {
  pollTimer = 0;
  polling = true;
  let waitMs = pollMs;
  let any = false;
  for (const e of waitlistEntries().filter(isActive)) {
    try {
      const res = await api('GET', `/v1/waitlist/${encodeURIComponent(e.waitlistId)}`, { auth: true });
      any = merge(e.waitlistId, pick(res)) || any;
    } catch (err) {
      if (err.code === 'rate_limited') { waitMs = Math.max(waitMs, err.retryAfterS * 1000); break; }
      if (err.status === 404 || err.status === 403) any = merge(e.waitlistId, { status: 'expired' }) || any;
      // network trouble: try again next round
    }
  }
  polling = false;
  if (any) changed();
  if (waitlistEntries().some(isActive)) pollTimer = setTimeout(pollAll, waitMs);
}

// Offer countdowns tick once a second while an offer is out.
function ensureTicker() {
  const offers = waitlistEntries().some((e) => e.status === 'offered');
  if (offers && !ticker) ticker = setInterval(() => {
    for (const fn of listeners) fn();
    if (!waitlistEntries().some((e) => e.status === 'offered')) { clearInterval(ticker); ticker = 0; }
  }, tickMs);
}

export function startWaitlist() {
  onUserChange(() => { changed(); });
  window.addEventListener('storage', (e) => { // another tab joined or heard something
    if (e.key !== storageKey) return;
    all = load();
    for (const fn of listeners) fn();
    ensurePolling();
    ensureTicker();
  });
  ensurePolling();
  ensureTicker();
}

// --- views --------------------------------------------------------------------------------
function describe(e) {
  const what = `${e.section ? `Section ${e.section}` : 'Any section'} · ${plural(e.quantity || 1, 'ticket')}`;
  const status = shownStatus(e);
  const left = e.offerExpiresAtMs ? e.offerExpiresAtMs - serverNowMs() : 0;
  const text = {
    waiting: e.position ? `Waiting · #${e.position.toLocaleString('en-US')} in line` : 'Waiting',
    offered: `Offered · ${mmss(left)} left to pay`,
    expired: e.holdId ? 'Offer expired' : 'Expired',
    fulfilled: 'Bought',
  }[status] || status;
  return { what, status, text };
}

// Rows are kept while their entry's shape (status, hold) stays the same and only their
// texts are refreshed, so the once-a-second countdown never swaps a button mid-click.
function rowKey(e) {
  return `${e.waitlistId}|${shownStatus(e)}|${e.holdId || ''}|${e.position ?? ''}`;
}

function syncRows(container, cache, entries, build) {
  const next = new Map();
  const els = entries.map((e) => {
    const key = rowKey(e);
    const row = cache.get(key) || build(e);
    row.update(e);
    next.set(key, row);
    return row.el;
  });
  cache.clear();
  for (const [key, row] of next) cache.set(key, row);
  const same = els.length === container.children.length && els.every((el, k) => container.children[k] === el);
  if (!same) setChildren(container, els);
}

// One entry as a list row; onPay(entry) for a live offer.
export function waitlistRow(e, { onPay, showEvent = false } = {}) {
  const { what, status } = describe(e);
  const statusEl = h('span', { class: 'muted small', dataset: { testid: 'waitlist-status' } });
  const pay = status === 'offered' && e.holdId
    ? h('button', { class: 'btn primary', type: 'button', dataset: { testid: 'waitlist-pay-button', waitlistId: e.waitlistId },
      onclick: () => onPay(e) }, `Pay ${money(e.total)}`)
    : null;
  const el = h('li', { class: `waitlist-entry waitlist-${status}`, dataset: { testid: 'waitlist-entry', waitlistId: e.waitlistId, status } },
    h('div', { class: 'waitlist-main' },
      showEvent ? h('a', { class: 'waitlist-event', href: `#/events/${encodeURIComponent(e.eventId)}` }, e.eventName || `Event ${e.eventId}`) : null,
      h('strong', {}, what), statusEl),
    pay);
  return { el, update: (next) => { statusEl.textContent = describe(next).text; } };
}

// A list of entries that keeps itself current; returns {el, destroy()}.
export function waitlistList(entries, options) {
  const el = h('ul', { class: 'waitlist-entries', dataset: { testid: 'waitlist-entries' } });
  const cache = new Map();
  const render = () => syncRows(el, cache, entries(), (e) => waitlistRow(e, options));
  const unsubscribe = onWaitlistChange(render);
  render();
  return { el, destroy: unsubscribe };
}

function offerView(e, onPay) {
  const countdown = h('span', { class: 'offer-countdown', role: 'timer', dataset: { testid: 'offer-countdown' } });
  const el = h('div', { class: 'offer', role: 'alert', dataset: { testid: 'waitlist-offer', waitlistId: e.waitlistId } },
    h('div', { class: 'offer-text' },
      h('strong', {}, 'Your waitlist tickets are here! '),
      h('span', {}, `${plural(e.quantity || (e.seats || []).length || 1, 'ticket')}${e.eventName ? ` for ${e.eventName}` : ''} · ${money(e.total)} · pay before the timer runs out`),
      e.seats && e.seats.length ? h('ul', { class: 'line-items offer-seats' }, lineItems(e)) : null),
    h('div', { class: 'offer-side' }, countdown,
      h('button', { class: 'btn primary', type: 'button', dataset: { testid: 'offer-pay-button', waitlistId: e.waitlistId },
        onclick: () => onPay(e) }, 'Pay now')));
  return { el, update: (next) => { countdown.textContent = mmss(next.offerExpiresAtMs - serverNowMs()); } };
}

// The banner under the header: every live offer, with its countdown and a pay button.
export function mountOfferBanner(el, { onPay }) {
  const cache = new Map();
  const render = () => {
    const offers = liveOffers();
    el.hidden = !offers.length;
    syncRows(el, cache, offers, (e) => offerView(e, onPay));
  };
  onWaitlistChange(render);
  render();
}

// The event page's card: join the waitlist when something is sold out; this event's entries.
export class WaitlistCard {
  // options: {event, maxSeats, onSeatsAvailable(section), onPay(entry)}
  constructor({ event, maxSeats, onSeatsAvailable, onPay }) {
    this.event = event;
    this.options = { onSeatsAvailable, onPay };
    this.soldOut = [];
    this.allSoldOut = false;
    this.section = h('select', { id: 'waitlist-section', dataset: { testid: 'waitlist-section' } });
    this.quantity = h('select', { id: 'waitlist-quantity', dataset: { testid: 'waitlist-quantity' } },
      Array.from({ length: Math.min(quantityMax, maxSeats || quantityMax) }, (_, k) =>
        h('option', { value: String(k + 1), selected: k === 1 }, String(k + 1))));
    this.button = h('button', { class: 'btn block', type: 'submit', dataset: { testid: 'waitlist-join' } }, 'Join waitlist');
    this.form = h('form', { class: 'waitlist-form', onsubmit: (e) => { e.preventDefault(); this.join(); } },
      h('p', { class: 'muted small' }, 'When tickets free up we hold them for you and you get a few minutes to pay.'),
      h('div', { class: 'waitlist-fields' },
        h('label', { for: 'waitlist-section' }, 'Section', this.section),
        h('label', { for: 'waitlist-quantity' }, 'Tickets', this.quantity)),
      this.button);
    this.entries = waitlistList(() => waitlistEntries(event.eventId), { onPay });
    this.list = this.entries.el;
    this.el = h('section', { class: 'card waitlist-card', dataset: { testid: 'waitlist-card' }, hidden: true },
      h('h2', { class: 'card-title' }, 'Sold out? Join the waitlist'), this.form, this.list);
    this.unsubscribe = onWaitlistChange(() => this.show());
    this.show();
  }

  destroy() {
    this.entries.destroy();
    this.unsubscribe();
  }

  // model: the SeatModel; called after every change of section counts.
  update(model) {
    const soldOut = model.soldOutSections();
    const allSoldOut = soldOut.length === model.sections.length || model.status === 'sold_out';
    if (soldOut.join() !== this.soldOut.join() || allSoldOut !== this.allSoldOut) {
      const keep = this.section.value;
      this.soldOut = soldOut;
      this.allSoldOut = allSoldOut;
      setChildren(this.section, allSoldOut ? h('option', { value: '' }, 'Any section') : null,
        soldOut.map((s) => h('option', { value: s }, s)));
      if ([...this.section.options].some((o) => o.value === keep)) this.section.value = keep;
    }
    this.form.hidden = !soldOut.length;
    this.show();
  }

  show() {
    this.el.hidden = this.form.hidden && !this.list.children.length;
  }

  async join() {
    if (this.button.disabled) return;
    const section = this.section.value;
    this.button.disabled = true;
    try {
      const res = await joinWaitlist(this.event, section, Number(this.quantity.value));
      notify(`You’re on the waitlist${res.position ? ` at #${res.position}` : ''}. We’ll hold tickets for you when they free up.`, 'success', 'waitlist_joined');
    } catch (err) {
      if (err.code === 'seats_available') {
        notify(`There are tickets available${section ? ` in ${section}` : ''} right now: pick them on the map.`, 'info', err.code);
        this.options.onSeatsAvailable(section);
      } else showError(err);
    } finally {
      this.button.disabled = false;
    }
  }
}
