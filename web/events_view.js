// The events page: a sign-up card on first visit, search and filters, event cards.

import { api, currentUser, serverNowMs, signUp } from './api.js';
import { formatDate, h, money, saleState, setChildren, showError } from './ui.js';

const searchDebounceMs = 250;
const reopenCheckMsMax = 6 * 3600 * 1000; // reload the list when a card's state changes within this
let facets = null; // {cities, categories} from the unfiltered list, fetched once

export function mountEvents(root) {
  const search = h('input', {
    type: 'search', id: 'event-search', placeholder: 'Search events, artists, venues',
    autocomplete: 'off', dataset: { testid: 'search-input' }, 'aria-label': 'Search events',
  });
  const city = h('select', { id: 'city-filter', dataset: { testid: 'city-filter' }, 'aria-label': 'City' },
    h('option', { value: '' }, 'All cities'));
  const category = h('select', { id: 'category-filter', dataset: { testid: 'category-filter' }, 'aria-label': 'Category' },
    h('option', { value: '' }, 'All categories'));
  const list = h('div', { class: 'event-grid', dataset: { testid: 'event-list' }, 'aria-live': 'polite' });
  const status = h('p', { class: 'muted list-status' }, 'Loading events…');
  setChildren(root,
    currentUser() ? null : welcomeCard(),
    h('section', { class: 'page-head' },
      h('div', {}, h('h1', {}, 'Find your seats'),
        h('p', { class: 'muted' }, 'Live seat maps, fair holds, no double sales.'))),
    h('form', { class: 'filters', role: 'search', onsubmit: (e) => e.preventDefault() },
      h('div', { class: 'search-field' }, search), city, category),
    status, list);

  let generation = 0;
  let timer = 0;
  let flipTimer = 0; // reloads the list when a pre-queue or scheduled card opens
  async function load() {
    const mine = ++generation;
    const params = new URLSearchParams();
    if (search.value.trim()) params.set('q', search.value.trim());
    if (city.value) params.set('city', city.value);
    if (category.value) params.set('category', category.value);
    try {
      const query = params.toString();
      const data = await api('GET', `/v1/events${query ? `?${query}` : ''}`);
      if (mine !== generation) return; // a newer search has started
      const events = data.events || [];
      if (!facets && !query) fillFacets(events, city, category);
      const now = serverNowMs();
      list.replaceChildren(...events.map((ev) => eventCard(ev, now)));
      const next = Math.min(...events.map((ev) => saleState(ev, now).opensAtMs || Infinity)) - now;
      clearTimeout(flipTimer);
      if (next > 0 && next < reopenCheckMsMax) flipTimer = setTimeout(load, next + 500);
      status.textContent = events.length ? '' : 'No events match your search.';
      status.hidden = events.length > 0;
    } catch (err) {
      if (mine !== generation) return;
      status.hidden = false;
      status.textContent = 'Could not load events.';
      showError(err);
    }
  }
  search.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(load, searchDebounceMs); });
  city.addEventListener('change', load);
  category.addEventListener('change', load);
  if (facets) fillFacets(null, city, category);
  load();
  return { unmount() { clearTimeout(timer); clearTimeout(flipTimer); generation++; } };
}

function fillFacets(events, city, category) {
  if (events) {
    const uniq = (xs) => [...new Set(xs.filter(Boolean))].sort();
    facets = { cities: uniq(events.map((e) => e.venue && e.venue.city)), categories: uniq(events.map((e) => e.category)) };
  }
  city.append(...facets.cities.map((c) => h('option', { value: c }, c)));
  category.append(...facets.categories.map((c) => h('option', { value: c }, capitalize(c))));
}

// The card's status comes from the event (saleState): "Pre-queue" with the opening
// time before a waiting room opens, never "on sale" before fans can buy. Badges wrap
// inside the card's body; nothing in a card is wider than the card.
function eventCard(ev, nowMs) {
  const date = new Date(ev.startsAt);
  const valid = !Number.isNaN(date.getTime());
  const sale = saleState(ev, nowMs);
  const room = ev.waitingRoom && ev.waitingRoom.enabled;
  return h('a', { class: 'event-card', href: `#/events/${encodeURIComponent(ev.eventId)}`,
    dataset: { testid: 'event-link', eventId: ev.eventId, sale: sale.key } },
  h('div', { class: 'date-block', 'aria-hidden': 'true' },
    h('span', { class: 'date-month' }, valid ? date.toLocaleString('en-US', { month: 'short' }) : ''),
    h('span', { class: 'date-day' }, valid ? String(date.getDate()) : '')),
  h('div', { class: 'event-card-body' },
    h('p', { class: 'eyebrow' }, capitalize(ev.category || 'event')),
    h('h2', { class: 'event-name' }, ev.name),
    h('p', { class: 'muted' }, [ev.artist, ev.venue && `${ev.venue.name}, ${ev.venue.city}`].filter(Boolean).join(' · ')),
    h('p', { class: 'muted small' }, formatDate(ev.startsAt)),
    h('div', { class: 'event-card-foot' },
      h('div', { class: 'badges' },
        h('span', { class: `badge badge-${sale.key}`, dataset: { testid: 'sale-status', status: sale.key } }, sale.label),
        room ? h('span', { class: 'badge badge-room', dataset: { testid: 'waiting-room-badge' },
          title: 'High demand: buyers are let in from a waiting room in random order at the open, then first come first served' },
        'Waiting room') : null),
      typeof ev.minPrice === 'number' && sale.key !== 'sold_out' && sale.key !== 'cancelled'
        ? h('span', { class: 'from-price' }, 'from ', h('strong', {}, money(ev.minPrice, ev.currency))) : null),
    sale.key === 'pre_queue' || sale.key === 'scheduled'
      ? h('p', { class: 'sale-detail small', dataset: { testid: 'sale-detail' } }, sale.detail) : null));
}

// First visit: ask for a name. Skipping is fine; a guest is created on first use.
function welcomeCard() {
  const input = h('input', { id: 'signup-name', placeholder: 'Your name', maxlength: '64', autocomplete: 'name',
    dataset: { testid: 'name-input' } });
  const card = h('form', { class: 'card welcome', dataset: { testid: 'signup-card' } },
    h('div', {}, h('h2', {}, 'Welcome to holdfast'),
      h('p', { class: 'muted' }, 'What should we call you? Your holds and orders stay on this device.')),
    h('div', { class: 'welcome-row' },
      h('label', { class: 'sr-only', for: 'signup-name' }, 'Your name'), input,
      h('button', { class: 'btn primary', type: 'submit', dataset: { testid: 'signup-button' } }, 'Continue'),
      h('button', { class: 'btn ghost', type: 'button', dataset: { testid: 'guest-button' },
        onclick: () => submit(null) }, 'Continue as guest')));
  async function submit(name) {
    for (const b of card.querySelectorAll('button')) b.disabled = true;
    try {
      await signUp(name);
      card.remove();
    } catch (err) {
      showError(err, 'Sign-up failed');
      for (const b of card.querySelectorAll('button')) b.disabled = false;
    }
  }
  card.addEventListener('submit', (e) => { e.preventDefault(); submit(input.value.trim() || null); });
  return card;
}

export function capitalize(s) {
  return s ? s[0].toUpperCase() + s.slice(1) : s;
}
