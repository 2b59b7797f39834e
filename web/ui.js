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
export function formatDate(iso) {
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

// --- message area ---------------------------------------------------------------
const messagesMax = 5;
const lifetimeMs = { info: 7000, success: 7000, error: 12000 };

function messageArea() {
  return document.getElementById('messages');
}

// kind: 'info' | 'success' | 'error'. Returns the element so callers may remove it early.
export function notify(text, kind = 'info', code = '') {
  const area = messageArea();
  if (!area) return null;
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
