// holdfast web UI entry: hash router (#/, #/events/<id>, #/orders), header, the
// waitlist offer banner, and window.holdfast, the hook the browser tests drive the UI
// through.

import { currentUser, onUserChange } from './api.js';
import { clearMessages } from './ui.js';
import { EventPage, saveHold } from './event_view.js';
import { mountEvents } from './events_view.js';
import { mountOrders } from './orders_view.js';
import { holdFromOffer, mountOfferBanner, startWaitlist, waitlistEntries } from './waitlist.js';

const view = document.getElementById('view');
let current = null; // {unmount()} of the page on screen; an EventPage on event pages

function route() {
  if (current) current.unmount();
  current = null;
  clearMessages('error'); // an error belongs to the page it happened on
  const path = location.hash.replace(/^#/, '') || '/';
  const eventMatch = /^\/events\/([^/]+)$/.exec(path);
  document.title = 'holdfast · tickets';
  setActiveNav(path);
  if (eventMatch) current = new EventPage(view, decodeURIComponent(eventMatch[1]));
  else if (path === '/orders') current = mountOrders(view, { onPay: payOffer });
  else current = mountEvents(view);
  window.scrollTo({ top: 0 });
  view.focus({ preventScroll: true });
}

function setActiveNav(path) {
  for (const link of document.querySelectorAll('.site-nav a')) {
    const target = link.getAttribute('href').slice(1);
    const active = target === '/orders' ? path === '/orders' : path !== '/orders';
    link.classList.toggle('active', active);
    if (active) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
}

function showUser(user) {
  const chip = document.getElementById('user-chip');
  chip.textContent = user ? user.name : 'Not signed in';
  chip.title = user ? `User ${user.userId}` : '';
  chip.hidden = !user;
}

// Pays a waitlist offer in the event page's checkout, going there first if need be.
function payOffer(entry) {
  if (current instanceof EventPage && String(current.eventId) === String(entry.eventId) && current.event) {
    current.openOffer(entry);
    return;
  }
  saveHold(entry.eventId, holdFromOffer(entry)); // the event page resumes it on arrival
  location.hash = `#/events/${encodeURIComponent(entry.eventId)}`;
}

function eventPage() {
  if (!(current instanceof EventPage)) throw new Error('holdfast: not on an event page');
  return current;
}

// Test hooks. Seat ids are the public ones ("101-A-1"). seatStatus answers what the
// map shows: 'available' | 'held' | 'sold' | 'selected', or null for an unknown seat.
window.holdfast = {
  ready: () => eventPage().ready.then(() => true),
  selectSeats: (ids) => eventPage().selectSeats(ids),
  clearSelection: () => eventPage().clearSelection(),
  seatStatus: (id) => eventPage().seatStatus(id),
  seatPosition: (id) => eventPage().seatPosition(id),
  selectedSeats: () => eventPage().selectedSeats(),
  version: () => (eventPage().model ? eventPage().model.version : null),
  drawMs: () => eventPage().map.lastDrawMs,
  drawCount: () => eventPage().map.drawCount,
  user: () => currentUser(),
  queueState: () => eventPage().queueState(),
  accessToken: () => eventPage().accessHeaders()['Access-Token'] || null,
  prices: () => eventPage().prices(),
  waitlist: () => waitlistEntries().map((e) => ({ ...e })),
};

onUserChange(showUser);
showUser(currentUser());
startWaitlist();
mountOfferBanner(document.getElementById('offers'), { onPay: payOffer });
window.addEventListener('hashchange', route);
route();
