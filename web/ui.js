// Small DOM and formatting helpers shared by every view, plus the message area
// (non-blocking toasts) where API errors and notices appear.

// h('div', {class: 'x', onclick: fn, dataset: {testid: 'y'}}, 'text', child)
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else if (key === 'class') el.className = value;
    else if (key in el && key !== 'list' && typeof value !== 'string') el[key] = value;
    else el.setAttribute(key, value === true ? '' : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

// Like el.replaceChildren, but skips null/false children as h() does.
export function setChildren(el, ...children) {
  el.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
}

const moneyFormats = new Map();
export function money(cents, currency = 'USD') {
  if (!moneyFormats.has(currency))
    moneyFormats.set(currency, new Intl.NumberFormat('en-US', { style: 'currency', currency }));
  return moneyFormats.get(currency).format((cents || 0) / 100);
}

const dateFormat = new Intl.DateTimeFormat(undefined, {
  weekday: 'short', month: 'short', day: 'numeric', year: 'numeric', hour: 'numeric', minute: '2-digit',
});
export function formatDate(iso) { // an ISO string or milliseconds
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '' : dateFormat.format(d);
}

export function mmss(ms) {
  const total = Math.max(0, Math.ceil(ms / 1000));
  return `${String(Math.floor(total / 60)).padStart(2, '0')}:${String(total % 60).padStart(2, '0')}`;
}

export function plural(n, word, many = `${word}s`) {
  return `${n.toLocaleString('en-US')} ${n === 1 ? word : many}`;
}

export function statusLabel(status) {
  return String(status || '').replace(/_/g, ' ');
}

// What a fan can do about an event now, from the event's own fields (GET /v1/events):
// its status, its waiting room and, when given, when the sale opens. key is one of
// 'scheduled', 'pre_queue' (the room takes places before it opens), 'on_sale',
// 'sold_out', 'closed', 'cancelled'; opensAtMs is the next opening still ahead (or 0).
export function saleState(ev, nowMs) {
  const status = (ev && ev.status) || 'scheduled';
  const room = (ev && ev.waitingRoom) || {};
  const roomOpensMs = room.enabled ? room.opensAtMs || Date.parse(room.opensAt || '') || 0 : 0;
  const saleOpensMs = (ev && (ev.saleOpensAtMs || Date.parse(ev.saleOpensAt || ''))) || 0;
  const labels = { scheduled: 'Scheduled', pre_queue: 'Pre-queue', on_sale: 'On sale', sold_out: 'Sold out',
    closed: 'Sale closed', cancelled: 'Cancelled' };
  const state = (key, detail = '', opensAtMs = 0) => ({ key, label: labels[key] || statusLabel(key), detail, opensAtMs });
  if (status === 'scheduled')
    return saleOpensMs > nowMs ? state('scheduled', `Sale opens ${formatDate(saleOpensMs)}`, saleOpensMs)
      : state('scheduled', 'Not on sale yet');
  if (status === 'on_sale' && roomOpensMs > nowMs)
    return state('pre_queue', `Waiting room opens ${formatDate(roomOpensMs)}`, roomOpensMs);
  if (status === 'on_sale' && room.enabled) return state('on_sale', 'Waiting room');
  return state(status);
}

// A short reference for an order, from its id: order ids carry the event id in their
// upper 32 bits and the event's own order number in the lower 32 (core/ids.hpp), so
// 4294967297 is order 1 of event 1: "1-0001". Ids that are not numbers stay as they are.
export function orderRef(orderId) {
  const text = String(orderId ?? '');
  if (!/^\d{1,20}$/.test(text)) return text;
  const id = BigInt(text);
  if (id >= 1n << 64n) return text;
  const eventId = id >> 32n, seq = id & 0xffffffffn;
  return `${eventId}-${String(seq).padStart(4, '0')}`;
}

// --- message area ---------------------------------------------------------------
// Toasts sit where no control is (style.css: bottom left beside the side panel on wide
// screens, under the header on narrow ones), let taps through to what is beneath
// except on their close button, expire, and never outlive what they are about: a
// success clears earlier errors, and so does leaving the page (clearMessages).
const messagesMax = 3;
const lifetimeMs = { info: 6000, success: 6000, error: 10000 };

function messageArea() {
  return document.getElementById('messages');
}

// Removes the toasts of these kinds (all when none are named).
export function clearMessages(...kinds) {
  const area = messageArea();
  if (!area) return;
  for (const toast of [...area.children])
    if (!kinds.length || kinds.includes(toast.dataset.kind)) toast.remove();
}

// kind: 'info' | 'success' | 'error'. Returns the element so callers may remove it early.
export function notify(text, kind = 'info', code = '') {
  const area = messageArea();
  if (!area) return null;
  if (kind === 'success') clearMessages('error'); // whatever failed before has now worked
  for (const old of [...area.children]) // the same message twice shows once, freshly
    if (old.dataset.kind === kind && old.querySelector('.toast-text').textContent === text) old.remove();
  while (area.children.length >= messagesMax) area.firstElementChild.remove();
  const close = h('button', { class: 'toast-close', type: 'button', 'aria-label': 'Dismiss' }, '×');
  const toast = h('div', {
    class: `toast toast-${kind}`, role: kind === 'error' ? 'alert' : 'status',
    dataset: { testid: 'notice', kind, code: code || undefined },
  }, h('span', { class: 'toast-text' }, text), close);
  close.addEventListener('click', () => toast.remove());
  area.append(toast);
  setTimeout(() => toast.remove(), lifetimeMs[kind] || 8000);
  return toast;
}

// Shows any error: an ApiError with its server message, or a network failure.
export function showError(err, prefix = '') {
  const text = err && err.message ? err.message : String(err);
  notify(prefix ? `${prefix}: ${text}` : text, 'error', err && err.code);
}
