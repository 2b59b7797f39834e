// The checkout panel for one hold: countdown to expiresAtMs, cancel, pay, and the
// order confirmation. Paying reuses one Idempotency-Key per (hold, card), kept in
// sessionStorage, so a double submit or a retry after a lost response makes one order.

import { ApiError, api, serverNowMs } from './api.js';
import { h, mmss, money, notify, showError } from './ui.js';

const tickMs = 250;
const urgentMs = 60000;
const keysStorage = 'holdfast.idempotency';
const cardPattern = /^\d{12,19}$/;

function idempotencyKey(holdId, card) {
  let keys = {};
  try { keys = JSON.parse(sessionStorage.getItem(keysStorage) || '{}'); } catch { keys = {}; }
  const slot = `${holdId}|${card}`;
  if (!keys[slot]) {
    keys[slot] = crypto.randomUUID();
    sessionStorage.setItem(keysStorage, JSON.stringify(keys));
  }
  return keys[slot];
}

// options: {hold, event, onClose(reason, order?)}. reason: 'cancelled' or 'expired' (back to
// the map), 'paid' (the confirmation is showing), 'done' (the user leaves the confirmation).
export class Checkout {
  constructor(container, { hold, event, onClose }) {
    this.container = container;
    this.hold = hold;
    this.event = event;
    this.onClose = onClose;
    this.currency = (event && event.currency) || 'USD';
    this.paying = false;
    this.finished = false;
    this.render();
    this.timer = setInterval(() => this.tick(), tickMs);
    this.tick();
  }

  destroy() {
    clearInterval(this.timer);
  }

  render() {
    const { hold } = this;
    const total = money(hold.total, this.currency);
    this.countdown = h('div', { class: 'countdown', role: 'timer', dataset: { testid: 'countdown' } }, '--:--');
    this.bar = h('i');
    this.card = h('input', {
      id: 'card-number', value: '4242424242424242', inputmode: 'numeric', autocomplete: 'cc-number',
      spellcheck: 'false', dataset: { testid: 'card-input' }, 'aria-describedby': 'test-cards',
    });
    this.error = h('p', { class: 'pay-error', role: 'alert', dataset: { testid: 'payment-error' }, hidden: true });
    this.payButton = h('button', { class: 'btn primary', type: 'submit', dataset: { testid: 'pay-button' } }, `Pay ${total}`);
    this.cancelButton = h('button', { class: 'btn ghost', type: 'button', dataset: { testid: 'cancel-hold-button' },
      onclick: () => this.cancel() }, 'Cancel hold');
    const form = h('form', { class: 'pay-form', dataset: { testid: 'pay-form' }, onsubmit: (e) => { e.preventDefault(); this.pay(); } },
      h('label', { for: 'card-number' }, 'Card number'), this.card,
      h('p', { class: 'note', id: 'test-cards', dataset: { testid: 'test-cards' } },
        'Test cards: ', h('code', {}, '4242424242424242'), ' succeeds, ',
        h('code', {}, '4000000000000002'), ' is declined. Any other 12–19 digits are charged as-is.'),
      this.error,
      h('div', { class: 'actions' }, this.cancelButton, this.payButton));
    this.panel = h('div', { class: 'card checkout', dataset: { testid: 'checkout', holdId: hold.holdId } },
      h('div', { class: 'checkout-head' },
        h('div', {},
          h('p', { class: 'eyebrow' }, 'Checkout'),
          h('h2', {}, 'Your seats are held'),
          h('p', { class: 'muted' }, 'Pay before the timer runs out, or the seats go back on sale.')),
        h('div', { class: 'countdown-box' }, h('span', { class: 'muted small' }, 'Time left'), this.countdown)),
      h('div', { class: 'progress', 'aria-hidden': 'true' }, this.bar),
      h('ul', { class: 'line-items', dataset: { testid: 'hold-seats' } }, lineItems(hold)),
      h('div', { class: 'total-row' }, h('span', {}, 'Total'),
        h('strong', { dataset: { testid: 'hold-total' } }, total)),
      form);
    this.container.replaceChildren(this.panel);
  }

  remainingMs() {
    return this.hold.expiresAtMs - serverNowMs();
  }

  tick() {
    if (this.finished) return;
    const left = this.remainingMs();
    this.countdown.textContent = mmss(left);
    this.countdown.classList.toggle('urgent', left < urgentMs);
    const spanMs = ((this.event && this.event.holdSeconds) || 600) * 1000;
    this.bar.style.width = `${Math.max(0, Math.min(1, left / spanMs)) * 100}%`;
    if (left <= 0 && !this.paying) this.expire();
  }

  expire(message) {
    this.finish();
    notify(message || 'Your hold expired and the seats were released. Pick seats again to continue.', 'error', 'hold_expired');
    this.onClose('expired');
  }

  finish() {
    this.finished = true;
    clearInterval(this.timer);
  }

  async cancel() {
    if (this.paying || this.finished) return;
    this.cancelButton.disabled = true;
    try {
      await api('DELETE', `/v1/holds/${encodeURIComponent(this.hold.holdId)}`, { auth: true });
    } catch (err) {
      if (!(err instanceof ApiError) || err.code !== 'unknown_hold') {
        this.cancelButton.disabled = false;
        showError(err);
        return;
      }
    }
    this.finish();
    notify('Hold cancelled. The seats are back on sale.', 'info');
    this.onClose('cancelled');
  }

  async pay() {
    if (this.paying || this.finished) return; // a double click sends one request
    const card = this.card.value.replace(/[\s-]/g, '');
    if (!cardPattern.test(card)) {
      this.showPayError('Enter a card number of 12 to 19 digits.');
      return;
    }
    this.paying = true;
    this.payButton.disabled = true;
    this.payButton.textContent = 'Paying…';
    this.error.hidden = true;
    try {
      const order = await api('POST', '/v1/orders', {
        auth: true, body: { holdId: this.hold.holdId, payment: { card } },
        headers: { 'Idempotency-Key': idempotencyKey(this.hold.holdId, card) },
      });
      this.finish();
      this.showConfirmation(order);
      this.onClose('paid', order);
    } catch (err) {
      this.onPayError(err);
    } finally {
      this.paying = false;
      this.payButton.disabled = this.finished;
      this.payButton.textContent = `Pay ${money(this.hold.total, this.currency)}`;
    }
    if (!this.finished && this.remainingMs() <= 0) this.expire();
  }

  onPayError(err) {
    if (err.status === 402 || err.code === 'payment_declined') {
      this.showPayError('Sorry, payment declined. Try another card.');
      notify('Payment declined', 'error', 'payment_declined');
    } else if (err.code === 'hold_expired' || err.code === 'unknown_hold') {
      this.expire(`Your hold expired before payment went through. ${err.message}`);
    } else {
      this.showPayError(err.message);
      showError(err);
    }
  }

  showPayError(text) {
    this.error.textContent = text;
    this.error.hidden = false;
  }

  showConfirmation(order) {
    const back = h('button', { class: 'btn primary', type: 'button', dataset: { testid: 'back-to-map' },
      onclick: () => this.onClose('done') }, 'Back to the seat map');
    this.container.replaceChildren(h('div', { class: 'card confirmation', dataset: { testid: 'order-confirmation', orderId: order.orderId } },
      h('div', { class: 'confirm-mark', 'aria-hidden': 'true' }, '✓'),
      h('h2', {}, 'You’re going!'),
      h('p', { class: 'muted' }, this.event ? this.event.name : ''),
      h('p', {}, 'Order ', h('strong', { dataset: { testid: 'order-id' } }, order.orderId), ' is ', order.status || 'confirmed', '.'),
      h('ul', { class: 'line-items', dataset: { testid: 'order-seats' } }, lineItems(order)),
      h('div', { class: 'total-row' }, h('span', {}, 'Total paid'),
        h('strong', { dataset: { testid: 'order-total' } }, money(order.total, this.currency))),
      h('div', { class: 'actions' }, h('a', { class: 'btn ghost', href: '#/orders' }, 'View my orders'), back)));
  }
}

// Seats of a hold or order, or "FLOOR × 2" for general admission.
export function lineItems(x) {
  const seats = x.seats || [];
  if (seats.length) return seats.map((id) => h('li', { dataset: { testid: 'line-seat', seatId: id } }, id));
  if (x.section) return [h('li', { dataset: { testid: 'line-ga' } }, `${x.section} × ${x.quantity || 1} (general admission)`)];
  return [];
}
