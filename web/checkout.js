// The checkout panel for one hold: countdown to expiresAtMs, the locked price, cancel,
// pay, and the order confirmation. Paying reuses one Idempotency-Key per (hold, card),
// kept in sessionStorage, so a double submit or a retry after a lost response makes one
// order. A payment the provider has not settled yet (202 pending) is polled until the
// server reconciles it; its id is kept in sessionStorage so a reload resumes the wait.
//
//   form ──pay──► 201 confirmed ──────────────────────────────► confirmation
//     ▲   └─────► 202 pending ──poll──► confirmed ─────────────► confirmation
//     │                          ├────► declined ──► form (with the reason)
//     └── 402 declined           └────► refunded ──► "hold lost, charge refunded"

import { ApiError, api, randomId, serverNowMs } from './api.js';
import { h, mmss, money, notify, orderRef, showError } from './ui.js';

const tickMs = 250;
const urgentMs = 60000;
const paymentPollMs = 2000;
const paymentPollsMax = 300;   // ten minutes of "pending", then we stop asking
const keysStorage = 'holdfast.idempotency';
const paymentStorage = (holdId) => `holdfast.payment.${holdId}`;
const cardPattern = /^\d{12,19}$/;
const cardStorage = 'holdfast.testCard';

// This browser's own succeeding test card: "4242 42", nine random digits and the Luhn
// check digit, kept in localStorage. The provider approves any Luhn-valid number, and
// one card pays for at most an event's per-person seat cap however many accounts use
// it, so a demo where everyone typed 4242 4242 4242 4242 would run out after 8 seats.
function ownTestCard() {
  try {
    const kept = localStorage.getItem(cardStorage);
    if (kept && cardPattern.test(kept)) return kept;
  } catch { /* storage unavailable: a fresh card for this page */ }
  let digits = '424242';
  for (let i = 0; i < 9; i++) digits += String(Math.floor(Math.random() * 10));
  const card = digits + String((10 - luhnSum(digits, true)) % 10);
  try { localStorage.setItem(cardStorage, card); } catch { /* kept for this page only */ }
  return card;
}

// The Luhn sum mod 10 of digits; withCheckDigitNext: the digits lack their check digit,
// so the doubling starts at the last one. A card number is valid when luhnSum(n) is 0.
function luhnSum(digits, withCheckDigitNext = false) {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) { // every other digit from the right is doubled
    let d = Number(digits[digits.length - 1 - i]);
    if ((i % 2 === 0) === withCheckDigitNext) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return sum % 10;
}

export const testCards = [
  [ownTestCard(), 'succeeds (your own test card: one card buys at most the per-person cap)'],
  ['4000000000000002', 'is declined'],
  ['4000000000009995', 'has insufficient funds'],
  ['4000000000000119', 'times out at the provider: pending, then confirmed'],
];

function idempotencyKey(holdId, card) {
  let keys = {};
  try { keys = JSON.parse(sessionStorage.getItem(keysStorage) || '{}'); } catch { keys = {}; }
  const slot = `${holdId}|${card}`;
  if (!keys[slot]) {
    keys[slot] = randomId();
    sessionStorage.setItem(keysStorage, JSON.stringify(keys));
  }
  return keys[slot];
}

// The id of a payment of this hold still waiting for the provider, or null.
export function pendingPayment(holdId) {
  return sessionStorage.getItem(paymentStorage(holdId));
}

// options: {hold, event, onClose(reason, order?), priceNow() -> cents|null (what the hold's
// contents would cost now)}. reason: 'cancelled' or 'expired' (back to the map), 'paid'
// (the confirmation is showing), 'refunded' (the explanation is showing), 'done' (the
// user leaves the confirmation or the explanation).
export class Checkout {
  constructor(container, { hold, event, onClose, priceNow = () => null }) {
    this.container = container;
    this.hold = hold;
    this.event = event;
    this.onClose = onClose;
    this.priceNow = priceNow;
    this.currency = (event && event.currency) || 'USD';
    this.paying = false;
    this.finished = false;
    this.paymentId = null;     // a pending payment being polled
    this.coolDownUntilMs = 0;  // after 429: the pay button waits this long
    this.render();
    this.timer = setInterval(() => this.tick(), tickMs);
    this.tick();
    const pending = pendingPayment(hold.holdId);
    if (pending) this.awaitPayment(pending);
  }

  destroy() {
    this.finished = true;
    clearInterval(this.timer);
    clearTimeout(this.pollTimer);
  }

  render() {
    const { hold } = this;
    const total = money(hold.total, this.currency);
    this.countdown = h('div', { class: 'countdown', role: 'timer', dataset: { testid: 'countdown' } }, '--:--');
    this.bar = h('i');
    this.priceNowEl = h('p', { class: 'note', dataset: { testid: 'price-now' }, hidden: true });
    this.payArea = h('div', {}, this.payForm(total));
    this.panel = h('div', { class: 'card checkout', dataset: { testid: 'checkout', holdId: hold.holdId } },
      h('div', { class: 'checkout-head' },
        h('div', {},
          h('p', { class: 'eyebrow' }, hold.waitlistId ? 'Waitlist offer' : 'Checkout'),
          h('h2', {}, hold.waitlistId ? 'These tickets are held for you' : 'Your seats are held'),
          h('p', { class: 'muted' }, 'Pay before the timer runs out, or the seats go back on sale.')),
        h('div', { class: 'countdown-box' }, h('span', { class: 'muted small' }, 'Time left'), this.countdown)),
      h('div', { class: 'progress', 'aria-hidden': 'true' }, this.bar),
      h('ul', { class: 'line-items', dataset: { testid: 'hold-seats' } }, lineItems(hold)),
      h('div', { class: 'total-row' }, h('span', {}, 'Total ', h('span', { class: 'lock-tag' }, 'price locked')),
        h('strong', { dataset: { testid: 'hold-total' } }, total)),
      h('p', { class: 'price-lock', dataset: { testid: 'hold-price-lock' } },
        `Your price is locked at ${total} while this hold lasts, even if prices change.`),
      this.priceNowEl,
      this.payArea);
    this.container.replaceChildren(this.panel);
  }

  payForm(total) {
    this.card = h('input', {
      id: 'card-number', value: testCards[0][0], inputmode: 'numeric', autocomplete: 'cc-number',
      spellcheck: 'false', dataset: { testid: 'card-input' }, 'aria-describedby': 'test-cards',
    });
    this.error = h('p', { class: 'pay-error', role: 'alert', dataset: { testid: 'payment-error' }, hidden: true });
    this.payButton = h('button', { class: 'btn primary', type: 'submit', dataset: { testid: 'pay-button' } }, `Pay ${total}`);
    this.cancelButton = h('button', { class: 'btn ghost', type: 'button', dataset: { testid: 'cancel-hold-button' },
      onclick: () => this.cancel() }, 'Cancel hold');
    const pick = (number) => h('button', { type: 'button', class: 'card-pick', dataset: { testid: 'test-card', card: number },
      title: 'Use this card', onclick: () => { this.card.value = number; this.card.focus(); } }, h('code', {}, number));
    this.form = h('form', { class: 'pay-form', dataset: { testid: 'pay-form' }, onsubmit: (e) => { e.preventDefault(); this.pay(); } },
      h('label', { for: 'card-number' }, 'Card number'), this.card,
      h('div', { class: 'note', id: 'test-cards', dataset: { testid: 'test-cards' } }, 'Test cards:',
        h('ul', { class: 'test-cards' }, testCards.map(([number, what]) => h('li', {}, pick(number), ` ${what}`))),
        'Any other number of 12–19 digits succeeds if it passes the Luhn check (its last digit checks the others); numbers that fail it are refused.'),
      this.error,
      h('div', { class: 'actions' }, this.cancelButton, this.payButton));
    return this.form;
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
    this.showPriceNow();
    this.showCoolDown();
    // A pending payment outlives the hold: the server settles it and may refund.
    if (left <= 0 && !this.paying && !this.paymentId) this.expire();
  }

  // What the same seats cost now, when that differs from the locked total.
  showPriceNow() {
    const now = this.priceNow();
    const differs = typeof now === 'number' && now !== this.hold.total;
    this.priceNowEl.hidden = !differs;
    if (!differs) return;
    const text = `At today’s prices these would cost ${money(now, this.currency)} ${now > this.hold.total ? '▲' : '▼'}; you pay the locked ${money(this.hold.total, this.currency)}.`;
    if (this.priceNowEl.textContent !== text) this.priceNowEl.textContent = text;
  }

  showCoolDown() {
    if (!this.coolDownUntilMs || this.paying) return;
    const leftS = Math.ceil((this.coolDownUntilMs - Date.now()) / 1000);
    if (leftS > 0) {
      this.payButton.disabled = true;
      this.payButton.textContent = `Retry in ${leftS} s`;
      return;
    }
    this.coolDownUntilMs = 0;
    this.payButton.disabled = false;
    this.payButton.textContent = `Pay ${money(this.hold.total, this.currency)}`;
  }

  expire(message) {
    this.finish();
    notify(message || 'Your hold expired and the seats were released. Pick seats again to continue.', 'error', 'hold_expired');
    this.onClose('expired');
  }

  finish() {
    this.finished = true;
    clearInterval(this.timer);
    clearTimeout(this.pollTimer);
  }

  async cancel() {
    if (this.paying || this.finished || this.paymentId) return;
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
    if (this.paying || this.finished || this.paymentId || this.coolDownUntilMs) return; // a double click sends one request
    const card = this.card.value.replace(/[\s-]/g, '');
    if (!cardPattern.test(card)) {
      this.showPayError('Enter a card number of 12 to 19 digits.');
      return;
    }
    if (luhnSum(card) !== 0) {
      this.showPayError('That card number fails the Luhn check (a digit is probably mistyped); the server would refuse it.');
      return;
    }
    this.paying = true;
    this.payButton.disabled = true;
    this.payButton.textContent = 'Paying…';
    this.error.hidden = true;
    try {
      const res = await api('POST', '/v1/orders', {
        auth: true, body: { holdId: this.hold.holdId, payment: { card } },
        headers: { 'Idempotency-Key': idempotencyKey(this.hold.holdId, card) },
      });
      if (res && res.status === 'pending' && res.paymentId) this.awaitPayment(res.paymentId);
      else this.paid(res);
    } catch (err) {
      this.onPayError(err);
    } finally {
      this.paying = false;
      if (!this.coolDownUntilMs) {
        this.payButton.disabled = this.finished || !!this.paymentId;
        this.payButton.textContent = `Pay ${money(this.hold.total, this.currency)}`;
      }
    }
    if (!this.finished && !this.paymentId && this.remainingMs() <= 0) this.expire();
  }

  paid(order) {
    this.finish();
    this.showConfirmation(order);
    notify(`Payment confirmed: order ${orderRef(order.orderId)}.`, 'success', 'order_confirmed');
    this.onClose('paid', order);
  }

  onPayError(err) {
    if (err.code === 'insufficient_funds') {
      this.showPayError('Sorry, insufficient funds on this card. Try another card.');
      notify('Payment declined: insufficient funds', 'error', 'insufficient_funds');
    } else if (err.status === 402 || err.code === 'payment_declined') {
      this.showPayError('Sorry, payment declined. Try another card.');
      notify('Payment declined', 'error', err.code || 'payment_declined');
    } else if (err.code === 'hold_expired' || err.code === 'unknown_hold') {
      this.expire(`Your hold expired before payment went through. ${err.message}`);
    } else if (err.code === 'rate_limited') {
      this.coolDownUntilMs = Date.now() + err.retryAfterS * 1000;
      this.showPayError(err.message);
      showError(err);
    } else {
      this.showPayError(err.message);
      showError(err);
    }
  }

  showPayError(text) {
    this.error.textContent = text;
    this.error.hidden = false;
  }

  // --- a payment the provider has not settled -------------------------------------------
  awaitPayment(paymentId) {
    this.paymentId = paymentId;
    this.paymentPolls = 0;
    sessionStorage.setItem(paymentStorage(this.hold.holdId), paymentId);
    this.pendingStatus = h('p', { class: 'muted small', dataset: { testid: 'payment-pending-status' } }, 'Checking…');
    this.payArea.replaceChildren(h('div', { class: 'payment-pending', role: 'status', dataset: { testid: 'payment-pending', paymentId } },
      h('span', { class: 'spinner', 'aria-hidden': 'true' }),
      h('div', {},
        h('strong', {}, 'Payment pending'),
        h('p', {}, 'The payment provider is slow to answer, so we are waiting for its final word. Don’t pay again and keep this page open: we check every few seconds.'),
        h('p', { class: 'muted small' }, 'If the payment is confirmed after your hold has run out, the charge is refunded automatically.'),
        this.pendingStatus)));
    this.pollTimer = setTimeout(() => this.pollPayment(), paymentPollMs);
  }

  async pollPayment() {
    if (this.finished || !this.paymentId) return;
    let waitMs = paymentPollMs;
    try {
      const payment = await api('GET', `/v1/payments/${encodeURIComponent(this.paymentId)}`, { auth: true });
      if (this.finished) return;
      if (payment.status !== 'pending') { await this.settle(payment); return; }
      this.pendingStatus.textContent = `Still pending · checked ${new Date().toLocaleTimeString()}`;
    } catch (err) {
      if (this.finished) return;
      if (err.code === 'rate_limited') waitMs = Math.max(waitMs, err.retryAfterS * 1000);
      this.pendingStatus.textContent = `Couldn’t check just now (${err.message}); trying again.`;
    }
    this.paymentPolls += 1;
    if (this.paymentPolls >= paymentPollsMax) {
      this.pendingStatus.textContent = 'Still pending. We stopped checking; your order appears under “My orders” once the payment is confirmed.';
      return;
    }
    this.pollTimer = setTimeout(() => this.pollPayment(), waitMs);
  }

  async settle(payment) {
    sessionStorage.removeItem(paymentStorage(this.hold.holdId));
    this.paymentId = null;
    if (payment.status === 'confirmed') {
      this.paid(await this.orderOf(payment));
    } else if (payment.status === 'refunded') {
      this.finish();
      this.showRefunded(payment);
      notify('Your hold ran out before the payment was confirmed, so the charge was refunded.', 'error', 'payment_refunded');
      this.onClose('refunded');
    } else { // declined: back to the form while the hold lasts
      this.payArea.replaceChildren(this.payForm(money(this.hold.total, this.currency)));
      if (this.remainingMs() <= 0) { this.expire('The payment was declined and your hold has expired.'); return; }
      this.showPayError(`Sorry, payment declined${payment.reason ? ` (${payment.reason})` : ''}. Try another card.`);
      notify('Payment declined', 'error', 'payment_declined');
    }
  }

  // The order a confirmed payment made; built from the hold if it cannot be fetched.
  async orderOf(payment) {
    if (payment.orderId) {
      try {
        return await api('GET', `/v1/orders/${encodeURIComponent(payment.orderId)}`, { auth: true });
      } catch {
        // the confirmation below is enough; "My orders" has the full order
      }
    }
    const { seats, section, quantity, total, eventId, holdId } = this.hold;
    return { orderId: payment.orderId || '', status: 'confirmed', eventId, holdId, seats, section, quantity, total };
  }

  showRefunded(payment) {
    const back = h('button', { class: 'btn primary', type: 'button', dataset: { testid: 'back-to-map' },
      onclick: () => this.onClose('done') }, 'Back to the seat map');
    this.container.replaceChildren(h('div', { class: 'card confirmation', dataset: { testid: 'payment-refunded', paymentId: payment.paymentId } },
      h('div', { class: 'confirm-mark refund-mark', 'aria-hidden': 'true' }, '↺'),
      h('h2', {}, 'Your hold was lost and the charge refunded'),
      h('p', { class: 'muted' }, 'The payment provider confirmed the payment only after your hold had run out, and the seats were released to other buyers. We refunded the charge in full; nothing is booked.'),
      payment.reason ? h('p', { class: 'muted small' }, `Reason: ${payment.reason}`) : null,
      h('div', { class: 'actions' }, back)));
  }

  showConfirmation(order) {
    const back = h('button', { class: 'btn primary', type: 'button', dataset: { testid: 'back-to-map' },
      onclick: () => this.onClose('done') }, 'Back to the seat map');
    this.container.replaceChildren(h('div', { class: 'card confirmation', dataset: { testid: 'order-confirmation', orderId: order.orderId } },
      h('div', { class: 'confirm-mark', 'aria-hidden': 'true' }, '✓'),
      h('h2', {}, 'You’re going!'),
      h('p', { class: 'muted' }, this.event ? this.event.name : ''),
      h('p', {}, 'Order ', h('strong', { class: 'order-ref', dataset: { testid: 'order-id' }, title: `Order id ${order.orderId}` },
        orderRef(order.orderId)), ' is ', order.status || 'confirmed', '.'),
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
