// "My orders": the signed-in user's waitlist places (with any offer to pay) and orders
// with their event names (orders carry only an eventId, so names come from the event
// list, or per event when missing).

import { api, currentUser } from './api.js';
import { lineItems } from './checkout.js';
import { formatDate, h, money, orderRef, showError } from './ui.js';
import { onWaitlistChange, waitlistEntries, waitlistList } from './waitlist.js';

// options: {onPay(entry)} pays a waitlist offer.
export function mountOrders(root, { onPay }) {
  const body = h('div', { class: 'orders', dataset: { testid: 'orders' } }, h('p', { class: 'muted' }, 'Loading your orders…'));
  const user = currentUser();
  const waitlist = waitlistList(() => waitlistEntries(), { onPay, showEvent: true });
  const waitlistCard = h('section', { class: 'card waitlist-orders', dataset: { testid: 'my-waitlist' } },
    h('h2', { class: 'card-title' }, 'Waitlist'), waitlist.el);
  const showWaitlist = () => { waitlistCard.hidden = !waitlistEntries().length; };
  const stopWatch = onWaitlistChange(showWaitlist);
  showWaitlist();
  root.replaceChildren(
    h('section', { class: 'page-head' }, h('div', {}, h('h1', {}, 'My orders'),
      h('p', { class: 'muted' }, user ? `Signed in as ${user.name}` : 'Orders you place on this device appear here.'))),
    waitlistCard, body);
  let gone = false;
  load().then((content) => { if (!gone) body.replaceChildren(...content); });
  return { unmount() { gone = true; waitlist.destroy(); stopWatch(); } };
}

async function load() {
  let orders;
  try {
    orders = (await api('GET', '/v1/orders', { auth: true })).orders || [];
  } catch (err) {
    showError(err);
    return [h('p', { class: 'muted' }, 'Your orders could not be loaded.')];
  }
  if (!orders.length)
    return [h('div', { class: 'card empty-state', dataset: { testid: 'orders-empty' } },
      h('h2', {}, 'No orders yet'), h('p', { class: 'muted' }, 'When you buy tickets they show up here.'),
      h('a', { class: 'btn primary', href: '#/' }, 'Browse events'))];
  const events = await eventsById(orders.map((o) => o.eventId));
  orders.sort((a, b) => String(b.createdAt).localeCompare(String(a.createdAt)));
  return [h('ul', { class: 'order-list' }, orders.map((o) => orderRow(o, events.get(o.eventId))))];
}

async function eventsById(ids) {
  const map = new Map();
  try {
    for (const ev of (await api('GET', '/v1/events')).events || []) map.set(ev.eventId, ev);
  } catch {
    // names are a nicety; rows fall back to the event id
  }
  const missing = [...new Set(ids)].filter((id) => !map.has(id));
  await Promise.all(missing.map((id) => api('GET', `/v1/events/${encodeURIComponent(id)}`)
    .then((ev) => map.set(id, ev), () => {})));
  return map;
}

// The show's date is the date of an order row; when it was bought is labelled as such.
function orderRow(order, ev) {
  const venue = ev && ev.venue ? `${ev.venue.name}, ${ev.venue.city}` : '';
  return h('li', { class: 'card order-row', dataset: { testid: 'order-row', orderId: order.orderId } },
    h('div', { class: 'order-main' },
      h('p', { class: 'eyebrow', dataset: { testid: 'order-show-date' } }, ev ? formatDate(ev.startsAt) : 'Event'),
      h('h2', { class: 'order-event' },
        h('a', { href: `#/events/${encodeURIComponent(order.eventId)}`, dataset: { testid: 'order-event' } },
          ev ? ev.name : `Event ${order.eventId}`)),
      venue ? h('p', { class: 'muted small' }, venue) : null,
      h('ul', { class: 'chips' }, lineItems(order).map((li) => { li.className = 'chip'; return li; }))),
    h('div', { class: 'order-side' },
      h('span', { class: `badge badge-${order.status === 'confirmed' ? 'on_sale' : order.status}` }, order.status || 'confirmed'),
      h('strong', { class: 'order-total', dataset: { testid: 'order-total' } }, money(order.total, (ev && ev.currency) || 'USD')),
      h('span', { class: 'muted small' }, 'Order ',
        h('strong', { class: 'order-ref', dataset: { testid: 'order-ref' }, title: `Order id ${order.orderId}` }, orderRef(order.orderId))),
      order.createdAt ? h('span', { class: 'muted small', dataset: { testid: 'order-bought' } }, `Bought ${formatDate(order.createdAt)}`) : null));
}
