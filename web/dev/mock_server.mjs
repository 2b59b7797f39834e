// Throwaway dev server for the web UI: serves web/ like the node does and fakes
// net/API.md in memory, including the live WebSocket (a minimal RFC 6455 server:
// handshake, unmasked text frames out, close/ping in). Not production code.
//
//   node web/dev/mock_server.mjs [--port 8081] [--hold-seconds 600] [--churn] [--pricing]
//
// --pricing moves a couple of section prices every few seconds (dynamic pricing).
// Event 6 has a waiting room (opens 20 s after start, 600 admitted a minute, 40 other
// people in line); event 7 is sold out (for the waitlist).
//
// Dev-only endpoints to exercise the UI by hand or from a browser test:
//   POST /dev/take  {"eventId":"1","seats":["101-A-1"],"status":"sold"}  another user takes seats
//        (or {"eventId":"7","section":"FLOOR","available":2} to free GA places)
//   POST /dev/gap   {"eventId":"1"}   skip a version so clients must refetch the seat map
//   POST /dev/config {"holdSeconds": 5, "offerSeconds": 120, "pendingSeconds": 4,
//                     "pendingOutcome": "confirmed"|"declined"|"refunded"}
//   POST /dev/price {"eventId":"1","section":"101","price":12500}   a price change, pushed as a delta
//   POST /dev/queue {"eventId":"6","opensInSeconds":3,"admitPerMinute":600,"activeMax":500,
//                    "difficulty":0,"accessSeconds":600,"othersAhead":40,"othersFirst":false,"reset":true}
//        (othersFirst puts the fake people ahead of real ones at the open: a known wait for tests)
//   POST /dev/ratelimit {"method":"POST","path":"/v1/events/1/holds","times":1,"retryAfter":3}
//        the next `times` matching requests get 429 rate_limited with Retry-After
//   GET  /dev/stats   requests seen, and how many came without a Device-Id header
//
// Proof of work (difficulty > 0): the challenge must be one the mock issued, used once,
// and SHA-256(challenge + ':' + nonce) must start with `difficulty` zero bits (web/pow.js).
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const PORT = Number(flag('--port', 8081));
let HOLD_SECONDS = Number(flag('--hold-seconds', 600));
const CHURN = args.includes('--churn');
const PRICING = args.includes('--pricing');
let OFFER_SECONDS = 120;
let PENDING_SECONDS = 4;
let PENDING_OUTCOME = 'confirmed';
const WEB_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const STATUS = ['available', 'held', 'sold'];

// --- venues: the same geometry as core/venue.cpp make_demo_venue -------------------
function rowLabel(row) {
  let n = row + 1, label = '';
  while (n > 0) { n -= 1; label = String.fromCharCode(65 + (n % 26)) + label; n = Math.floor(n / 26); }
  return label;
}

function makeVenue(id, name, city, sectionCount, seatTotal, gaCapacity) {
  const perRow = 50, rings = 2, perRing = Math.ceil(sectionCount / rings);
  const sections = [], seats = [];
  for (let s = 0; s < sectionCount; s++) {
    const ring = Math.floor(s / perRing), inRing = s % perRing;
    const ringSize = Math.min(perRing, sectionCount - ring * perRing);
    const count = Math.floor(seatTotal / sectionCount) + (s < seatTotal % sectionCount ? 1 : 0);
    const rMin = 300 + 260 * ring, rows = Math.ceil(count / perRow);
    const sec = { section: String((ring + 1) * 100 + inRing + 1), tier: ring === 0 ? 'lower' : 'upper',
      kind: 'assigned', basePrice: ring === 0 ? 12000 : 6500, capacity: count };
    sections.push(sec);
    for (let k = 0; k < count; k++) {
      const row = Math.floor(k / perRow), num = k % perRow;
      const a = (2 * Math.PI * (inRing + (num + 0.5) / perRow)) / ringSize;
      const r = rMin + (240 * row) / Math.max(rows, 1);
      seats.push({ seatId: `${sec.section}-${rowLabel(row)}-${num + 1}`, section: sec.section,
        row: rowLabel(row), number: num + 1,
        x: Math.round(Math.cos(a) * r * 10) / 10, y: Math.round(Math.sin(a) * r * 0.7 * 10) / 10 });
    }
  }
  if (gaCapacity > 0)
    sections.push({ section: 'FLOOR', tier: 'floor', kind: 'ga', basePrice: 9000, capacity: gaCapacity });
  return { id, name, city, sections, seats };
}

const stadium = makeVenue('demo-stadium', 'Holdfast Stadium', 'Springfield', 40, 50000, 2000);
const hall = makeVenue('riverside-hall', 'Riverside Hall', 'Shelbyville', 12, 3000, 400);

// --- events ----------------------------------------------------------------------
let seed = 42;
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);

const events = new Map();
function addEvent(eventId, name, artist, category, startsAt, venue, status, soldRatio, room = null) {
  const st = new Uint8Array(venue.seats.length);
  for (let i = 0; i < st.length; i++) {
    const r = rand();
    st[i] = r < soldRatio ? 2 : r < soldRatio + 0.03 ? 1 : 0;
  }
  const sections = venue.sections.map((s) => ({ ...s, price: s.basePrice,
    available: s.kind === 'ga' && soldRatio < 1 ? Math.floor(s.capacity * 0.6) : 0 }));
  const ev = { eventId, name, artist, category, startsAt, venue, status, st, sections,
    seatIndex: new Map(venue.seats.map((s, i) => [s.seatId, i])), version: 1,
    pending: { seats: new Map(), sections: new Set(), fromVersion: 1, timer: null }, sockets: new Set(),
    room: room && newRoom(room) };
  recount(ev);
  events.set(eventId, ev);
}
function recount(ev) {
  for (const s of ev.sections) if (s.kind !== 'ga') s.available = 0;
  const byName = new Map(ev.sections.map((s) => [s.section, s]));
  ev.venue.seats.forEach((seat, i) => { if (ev.st[i] === 0) byName.get(seat.section).available++; });
}
addEvent('1', 'Aurora World Tour 2026', 'Aurora Lights', 'concert', '2026-12-12T19:30:00.000Z', stadium, 'on_sale', 0.18);
addEvent('2', 'Springfield Strikers vs Capital City', 'Springfield Strikers', 'sports', '2026-12-05T18:00:00.000Z', stadium, 'on_sale', 0.42);
addEvent('3', 'A Night of Comedy', 'Dana Kowalski', 'comedy', '2026-12-19T20:00:00.000Z', hall, 'on_sale', 0.3);
addEvent('4', 'The Nutcracker', 'Shelbyville Ballet', 'theatre', '2027-01-08T19:00:00.000Z', hall, 'scheduled', 0);
addEvent('5', 'Winter Indie Fest', 'Various artists', 'festival', '2027-02-14T16:00:00.000Z',
  { ...hall, city: 'Capital City', name: 'Capital Arena', id: 'capital-arena' }, 'on_sale', 0.1);
addEvent('6', 'Nova Reunion — Stadium On-Sale', 'Nova', 'concert', '2027-03-20T19:30:00.000Z', stadium, 'on_sale', 0.2,
  { opensInSeconds: 20, admitPerMinute: 600, activeMax: 500, difficulty: 0, accessSeconds: 600, othersAhead: 40 });
addEvent('7', 'Sold-Out Sessions', 'The Late Arrivals', 'concert', '2027-01-22T20:00:00.000Z', hall, 'on_sale', 1);

function publicEvent(ev, detail) {
  const minPrice = Math.min(...ev.sections.map((s) => s.price));
  const base = { eventId: ev.eventId, name: ev.name, artist: ev.artist, category: ev.category,
    startsAt: ev.startsAt, status: ev.status,
    venue: { id: ev.venue.id, name: ev.venue.name, city: ev.venue.city }, minPrice, currency: 'USD' };
  base.waitingRoom = ev.room ? { enabled: true, opensAt: new Date(ev.room.opensAtMs).toISOString(),
    opensAtMs: ev.room.opensAtMs, admitPerMinute: ev.room.admitPerMinute, activeMax: ev.room.activeMax } : { enabled: false };
  if (!detail) return base;
  return { ...base, holdSeconds: HOLD_SECONDS, maxSeatsPerUser: 8,
    sections: ev.venue.sections.map(({ section, tier, kind, basePrice, capacity }) =>
      ({ section, tier, kind, basePrice, capacity })) };
}

// --- live deltas -----------------------------------------------------------------
function changeSeat(ev, i, status) {
  if (ev.st[i] === status) return;
  const sec = ev.sections.find((s) => s.section === ev.venue.seats[i].section);
  if (ev.st[i] === 0) sec.available--;
  if (status === 0) sec.available++;
  ev.st[i] = status;
  ev.version++;
  ev.pending.seats.set(i, status);
  ev.pending.sections.add(sec);
  scheduleFlush(ev);
}
function changeSection(ev, sec) {
  ev.version++;
  ev.pending.sections.add(sec);
  scheduleFlush(ev);
}
function scheduleFlush(ev) {
  if (ev.pending.timer) return;
  ev.pending.timer = setTimeout(() => {
    const p = ev.pending;
    const msg = { type: 'delta', eventId: ev.eventId, fromVersion: p.fromVersion, version: ev.version,
      seats: [...p.seats].map(([i, s]) => ({ seatId: ev.venue.seats[i].seatId, status: STATUS[s] })),
      sections: [...p.sections].map((s) => ({ section: s.section, available: s.available, price: s.price })) };
    ev.pending = { seats: new Map(), sections: new Set(), fromVersion: ev.version, timer: null };
    for (const sock of ev.sockets) wsSend(sock, msg);
  }, 50);
}

// --- users, holds, orders ----------------------------------------------------------
const users = new Map(); // token -> user
const liveTickets = new Map(); // ticket -> {userId, queueToken}
const holds = new Map();
const orders = new Map();
const idempotency = new Map(); // userId|key -> {bodyHash, status, body}
let nextId = 1000;

function seatsOf(userId, ev) {
  let n = 0;
  for (const h of holds.values()) if (h.userId === userId && h.eventId === ev.eventId && h.state !== 'released') n += h.count;
  return n;
}
function releaseHold(h, reason) {
  if (h.state !== 'active') return;
  h.state = 'released';
  const ev = events.get(h.eventId);
  for (const i of h.idx) changeSeat(ev, i, 0);
  if (h.section) { const s = ev.sections.find((x) => x.section === h.section); s.available += h.quantity; changeSection(ev, s); }
  if (h.waitlistId) {
    const w = waitlists.get(h.waitlistId);
    if (w && w.status === 'offered') { w.status = 'expired'; pushWaitlist(w); }
  }
  console.log(`hold ${h.holdId} released (${reason})`);
}
setInterval(() => { for (const h of holds.values()) if (h.state === 'active' && h.expiresAtMs <= Date.now()) releaseHold(h, 'expired'); }, 500);

if (CHURN) setInterval(() => {
  for (const ev of events.values()) {
    if (ev.status !== 'on_sale') continue;
    for (let k = 0; k < 40; k++) {
      const i = Math.floor(rand() * ev.st.length);
      if (ev.st[i] !== 2) changeSeat(ev, i, ev.st[i] === 0 ? 1 : rand() < 0.5 ? 0 : 2);
    }
  }
}, 300);

if (PRICING) setInterval(() => {
  for (const ev of events.values()) {
    if (ev.status !== 'on_sale') continue;
    for (let k = 0; k < 2; k++) {
      const sec = ev.sections[Math.floor(rand() * ev.sections.length)];
      sec.price = Math.max(1000, Math.round((sec.price * (0.95 + rand() * 0.13)) / 50) * 50);
      changeSection(ev, sec);
    }
  }
}, 4000);

// --- waiting room ----------------------------------------------------------------------
// Entries: {token, userId, status, accessToken, accessExpiresAtMs, fake, pushed}. Before
// opensAt everyone is pre_queue; at the open they are shuffled into `line` (with
// `othersAhead` fake people); then admitPerMinute are let in, at most activeMax at once.
function newRoom(cfg) {
  const room = { entries: new Map(), line: [], pre: [], opened: false, credit: 0, challenges: new Set() };
  configureRoom(room, cfg);
  return room;
}
function configureRoom(room, cfg) {
  if (cfg.opensInSeconds !== undefined) { room.opensAtMs = Date.now() + Number(cfg.opensInSeconds) * 1000; room.opened = false; }
  for (const k of ['admitPerMinute', 'activeMax', 'difficulty', 'accessSeconds', 'othersAhead', 'othersFirst'])
    if (cfg[k] !== undefined) room[k] = Number(cfg[k]);
}
function queueView(room, e) {
  const position = e.status === 'queued' ? room.line.indexOf(e.token) + 1 : e.status === 'admitted' ? 0 : null;
  const view = { queueToken: e.token, status: e.status, position,
    queueLength: e.status === 'pre_queue' ? room.pre.length : room.line.length,
    etaSeconds: position ? Math.ceil((position * 60) / room.admitPerMinute) : e.status === 'pre_queue'
      ? Math.max(0, Math.ceil((room.opensAtMs - Date.now()) / 1000)) : 0 };
  if (e.status === 'admitted') Object.assign(view, { accessToken: e.accessToken, accessExpiresAtMs: e.accessExpiresAtMs });
  return view;
}
function joinQueue(ev, u) {
  const room = ev.room;
  const mine = [...room.entries.values()].find((e) => e.userId === u.userId && e.status !== 'expired');
  if (mine) return mine;
  const e = { token: crypto.randomBytes(12).toString('hex'), userId: u.userId, status: room.opened ? 'queued' : 'pre_queue' };
  room.entries.set(e.token, e);
  (room.opened ? room.line : room.pre).push(e.token);
  return e;
}
function roomTick(ev, dtMs) {
  const room = ev.room, now = Date.now();
  if (!room.opened && now >= room.opensAtMs) {
    room.opened = true;
    for (let k = 0; k < room.othersAhead; k++) {
      const e = { token: `fake${k}-${now}`, userId: null, status: 'pre_queue', fake: true };
      room.entries.set(e.token, e);
      room.pre.push(e.token);
    }
    room.line = room.line.concat(room.pre.sort(() => rand() - 0.5)); // the open: random order
    if (room.othersFirst) room.line.sort((a, b) => (room.entries.get(b).fake ? 1 : 0) - (room.entries.get(a).fake ? 1 : 0)); // tests: a known wait
    room.pre = [];
    for (const t of room.line) room.entries.get(t).status = 'queued';
  }
  let active = 0;
  for (const e of room.entries.values()) {
    if (e.status !== 'admitted' || e.fake) continue;
    if (e.accessExpiresAtMs <= now) e.status = 'expired';
    else active++;
  }
  if (room.opened) {
    room.credit = Math.min(room.credit + (room.admitPerMinute * dtMs) / 60000, Math.max(1, room.admitPerMinute / 30));
    while (room.credit >= 1 && room.line.length && active < room.activeMax) {
      const e = room.entries.get(room.line.shift());
      room.credit -= 1;
      e.status = 'admitted';
      if (e.fake) { room.entries.delete(e.token); continue; }
      e.accessToken = crypto.randomBytes(12).toString('hex');
      e.accessExpiresAtMs = now + room.accessSeconds * 1000;
      active++;
    }
  }
  pushQueue(ev, now);
}
// A queue message to each socket whose place changed: at most once a second, at once on admission.
function pushQueue(ev, now) {
  for (const sock of ev.sockets) {
    const e = sock.queueToken && ev.room.entries.get(sock.queueToken);
    if (!e) continue;
    const { queueToken, ...view } = queueView(ev.room, e);
    const text = JSON.stringify(view);
    if (text === sock.lastQueue) continue;
    if (e.status !== 'admitted' && now - (sock.lastQueueMs || 0) < 1000) continue;
    sock.lastQueue = text;
    sock.lastQueueMs = now;
    wsSend(sock, { type: 'queue', ...view });
  }
}
let lastRoomTickMs = Date.now();
setInterval(() => {
  const now = Date.now();
  for (const ev of events.values()) if (ev.room) roomTick(ev, now - lastRoomTickMs);
  lastRoomTickMs = now;
}, 100);

function queueRoute(req, ev, what, m, body) {
  const room = ev.room;
  if (!room) return fail(404, 'not_found', 'this event has no waiting room');
  if (what === '/queue/challenge' && m === 'GET') {
    const challenge = crypto.randomBytes(16).toString('hex');
    room.challenges.add(challenge);
    return ok(200, { challenge, difficulty: room.difficulty });
  }
  if (what === '/queue/status' && m === 'GET') {
    const e = room.entries.get(req.headers['queue-token'] || '');
    return e ? ok(200, queueView(room, e)) : fail(404, 'not_found', 'unknown queue token');
  }
  if (what === '/queue' && m === 'POST') {
    const u = authUser(req);
    if (!u) return fail(401, 'unauthorized', 'missing or bad token');
    if (room.difficulty > 0 && !(room.challenges.delete(body?.challenge || '') && powOk(body.challenge, String(body.nonce ?? ''), room.difficulty)))
      return fail(403, 'challenge_failed', 'proof of work missing or wrong');
    return ok(201, queueView(room, joinQueue(ev, u)));
  }
  return fail(405, 'method_not_allowed', `${m} not allowed`);
}

// As web/pow.js solves it: SHA-256(challenge + ':' + nonce) starts with `difficulty` zero bits.
function powOk(challenge, nonce, difficulty) {
  if (!nonce) return false;
  const digest = crypto.createHash('sha256').update(`${challenge}:${nonce}`).digest();
  let bits = 0;
  for (const byte of digest) {
    if (byte === 0) { bits += 8; continue; }
    bits += Math.clz32(byte) - 24;
    break;
  }
  return bits >= difficulty;
}

function admitted(req, ev, u) {
  if (!ev.room) return true;
  const token = req.headers['access-token'] || '';
  const e = [...ev.room.entries.values()].find((x) => x.accessToken === token);
  return !!(token && e && e.userId === u.userId && e.status === 'admitted' && e.accessExpiresAtMs > Date.now());
}

// --- waitlist ---------------------------------------------------------------------------
const waitlists = new Map(); // waitlistId -> {waitlistId, eventId, userId, section, quantity, status, holdId, ...}
function waitlistView(w) {
  const v = { waitlistId: w.waitlistId, eventId: w.eventId, quantity: w.quantity, status: w.status };
  if (w.section) v.section = w.section;
  if (w.status === 'waiting')
    v.position = [...waitlists.values()].filter((x) => x.eventId === w.eventId && x.status === 'waiting' && x.seq <= w.seq).length;
  if (w.holdId) Object.assign(v, { holdId: w.holdId, offerExpiresAtMs: w.offerExpiresAtMs, seats: w.seats, total: w.total });
  return v;
}
function pushWaitlist(w) {
  const ev = events.get(w.eventId);
  const { position, eventId, quantity, section, ...v } = waitlistView(w);
  for (const sock of ev.sockets) if (sock.userId === w.userId) wsSend(sock, { type: 'waitlist', ...v });
}
function joinWaitlist(req, ev, body) {
  const u = authUser(req);
  if (!u) return fail(401, 'unauthorized', 'missing or bad token');
  const quantity = Number(body?.quantity);
  if (!(Number.isInteger(quantity) && quantity >= 1 && quantity <= 8)) return fail(400, 'invalid_request', 'quantity 1-8');
  const sec = body?.section ? ev.sections.find((s) => s.section === body.section) : null;
  if (body?.section && !sec) return fail(422, 'unknown_section', `no section ${body.section}`);
  const free = sec ? sec.available : ev.sections.reduce((n, s) => n + s.available, 0);
  if (free >= quantity) return fail(409, 'seats_available', 'there are seats available: buy them');
  const w = { waitlistId: `w${nextId++}`, seq: nextId, eventId: ev.eventId, userId: u.userId, section: sec ? sec.section : null,
    quantity, status: 'waiting' };
  waitlists.set(w.waitlistId, w);
  const v = waitlistView(w);
  return ok(201, { waitlistId: w.waitlistId, position: v.position, status: 'waiting' });
}
// Freed seats go to the first waiting entry they fit: held for its user, offered for OFFER_SECONDS.
function matchWaitlists() {
  for (const w of [...waitlists.values()].sort((a, b) => a.seq - b.seq)) {
    if (w.status !== 'waiting') continue;
    const ev = events.get(w.eventId);
    const secs = ev.sections.filter((s) => (!w.section || s.section === w.section) && s.available >= (s.kind === 'ga' ? w.quantity : 1));
    let idx = [], ga = null;
    for (const s of secs) {
      if (s.kind === 'ga') { ga = s; break; }
      idx = [];
      ev.venue.seats.forEach((seat, i) => { if (idx.length < w.quantity && seat.section === s.section && ev.st[i] === 0) idx.push(i); });
      if (idx.length === w.quantity) break;
      idx = [];
    }
    if (!ga && !idx.length) continue;
    for (const i of idx) changeSeat(ev, i, 1);
    if (ga) { ga.available -= w.quantity; changeSection(ev, ga); }
    const total = ga ? ga.price * w.quantity : idx.reduce((n, i) => n + ev.sections.find((s) => s.section === ev.venue.seats[i].section).price, 0);
    const expiresAtMs = Date.now() + OFFER_SECONDS * 1000;
    const h = { holdId: `h${nextId++}`, eventId: ev.eventId, userId: w.userId, idx, section: ga ? ga.section : null,
      quantity: ga ? w.quantity : 0, count: w.quantity, total, expiresAtMs, state: 'active', waitlistId: w.waitlistId };
    holds.set(h.holdId, h);
    Object.assign(w, { status: 'offered', holdId: h.holdId, offerExpiresAtMs: expiresAtMs, total,
      seats: idx.map((i) => ev.venue.seats[i].seatId) });
    pushWaitlist(w);
    console.log(`waitlist ${w.waitlistId} offered hold ${h.holdId}`);
  }
}
setInterval(matchWaitlists, 300);

// --- payments that the provider settles later ---------------------------------------------
const payments = new Map(); // paymentId -> {paymentId, userId, holdId, status, orderId?, reason?, settleAtMs, outcome}
function settlePayments() {
  for (const p of payments.values()) {
    if (p.status !== 'pending' || p.settleAtMs > Date.now()) continue;
    const h = holds.get(p.holdId);
    if (p.outcome === 'declined') Object.assign(p, { status: 'declined', reason: 'card declined by the issuer' });
    else if (p.outcome === 'refunded' || h.state !== 'active' || h.expiresAtMs <= Date.now()) {
      releaseHold(h, 'payment too late');
      Object.assign(p, { status: 'refunded', reason: 'hold_expired' });
    } else p.status = 'confirmed', p.orderId = confirmHold(h).orderId;
    console.log(`payment ${p.paymentId} ${p.status}`);
  }
}
setInterval(settlePayments, 250);

function confirmHold(h) {
  h.state = 'confirmed';
  const ev = events.get(h.eventId);
  for (const i of h.idx) changeSeat(ev, i, 2);
  const o = { orderId: `o${nextId++}`, status: 'confirmed', eventId: h.eventId, holdId: h.holdId,
    seats: h.idx.map((i) => ev.venue.seats[i].seatId), total: h.total, createdAt: new Date().toISOString() };
  if (h.section) Object.assign(o, { section: h.section, quantity: h.quantity });
  orders.set(o.orderId, { ...o, userId: h.userId });
  if (h.waitlistId) { const w = waitlists.get(h.waitlistId); if (w) { w.status = 'fulfilled'; pushWaitlist(w); } }
  return o;
}

// --- rate limits and device ids (dev triggers) -------------------------------------------------
let rateRules = []; // {method, path, times, retryAfter}
const stats = { requests: 0, withoutDeviceId: 0, deviceIds: new Set() };
function rateLimited(req, url) {
  const rule = rateRules.find((r) => r.times > 0 && (!r.method || r.method === req.method) && url.pathname.startsWith(r.path));
  if (!rule) return null;
  rule.times--;
  return { ...fail(429, 'rate_limited', 'too many requests'), headers: { 'Retry-After': String(rule.retryAfter) } };
}

// --- HTTP ------------------------------------------------------------------------
const fail = (status, code, message, extra = {}) => ({ status, body: { error: { code, message, ...extra } } });
const ok = (status, body) => ({ status, body });

function authUser(req) {
  const m = /^Bearer (.+)$/.exec(req.headers.authorization || '');
  return m ? users.get(m[1]) : undefined;
}

function route(req, url, body) {
  const p = url.pathname, m = req.method;
  let r;
  if (p === '/healthz') return ok(200, { status: 'ok' });
  // Sign-up's proof of work is off here (difficulty 0: any nonce passes).
  if (p === '/v1/users/challenge' && m === 'GET') return ok(200, { challenge: 'mock', difficulty: 0 });
  if (p === '/v1/live-tickets' && m === 'POST') {
    const u = authUser(req);
    if (!u) return fail(401, 'unauthorized', 'missing or bad token');
    const ticket = crypto.randomBytes(16).toString('hex');
    liveTickets.set(ticket, { userId: u.userId, queueToken: body?.queueToken || null });
    return ok(201, { ticket, expiresInSeconds: 30 });
  }
  if (p === '/v1/users' && m === 'POST') {
    const name = String(body?.name || '').trim();
    if (!name || name.length > 64) return fail(400, 'invalid_request', 'name must be 1-64 characters');
    const u = { userId: String(nextId++), name, token: crypto.randomBytes(16).toString('hex') };
    users.set(u.token, u);
    return ok(201, u);
  }
  if (p === '/v1/events' && m === 'GET') {
    const q = (url.searchParams.get('q') || '').toLowerCase();
    const city = url.searchParams.get('city') || '', cat = url.searchParams.get('category') || '';
    const list = [...events.values()].filter((e) =>
      (!q || `${e.name} ${e.artist} ${e.venue.name}`.toLowerCase().includes(q)) &&
      (!city || e.venue.city === city) && (!cat || e.category === cat));
    return ok(200, { events: list.map((e) => publicEvent(e, false)) });
  }
  if ((r = /^\/v1\/events\/([^/]+)(\/seatmap|\/holds|\/waitlist|\/queue|\/queue\/challenge|\/queue\/status)?$/.exec(p))) {
    const ev = events.get(r[1]);
    if (!ev) return fail(404, 'unknown_event', `no event ${r[1]}`);
    if (r[2] && r[2].startsWith('/queue')) return queueRoute(req, ev, r[2], m, body);
    if (r[2] === '/waitlist' && m === 'POST') return joinWaitlist(req, ev, body);
    if (!r[2] && m === 'GET') return ok(200, publicEvent(ev, true));
    if (r[2] === '/seatmap' && m === 'GET')
      return ok(200, { eventId: ev.eventId, version: ev.version, status: ev.status,
        sections: ev.sections.map(({ section, tier, kind, price, available, capacity }) =>
          ({ section, tier, kind, price, available, capacity })),
        seats: ev.venue.seats.map((s, i) => ({ ...s, status: STATUS[ev.st[i]] })) });
    if (r[2] === '/holds' && m === 'POST') return placeHold(req, ev, body);
    return fail(405, 'method_not_allowed', `${m} not allowed`);
  }
  if ((r = /^\/v1\/holds\/([^/]+)$/.exec(p)) && m === 'DELETE') {
    const u = authUser(req);
    if (!u) return fail(401, 'unauthorized', 'missing or bad token');
    const h = holds.get(r[1]);
    if (!h || h.userId !== u.userId || h.state !== 'active') return fail(404, 'unknown_hold', 'no such hold');
    releaseHold(h, 'cancelled');
    return ok(204, null);
  }
  if (p === '/v1/orders' && m === 'POST') return placeOrder(req, body);
  if ((r = /^\/v1\/(orders|payments|waitlist)\/([^/]+)$/.exec(p)) && m === 'GET') {
    const u = authUser(req);
    if (!u) return fail(401, 'unauthorized', 'missing or bad token');
    const x = { orders, payments, waitlist: waitlists }[r[1]].get(r[2]);
    if (!x || x.userId !== u.userId) return fail(404, 'not_found', `no ${r[1]} ${r[2]}`);
    if (r[1] === 'waitlist') return ok(200, waitlistView(x));
    const { userId, settleAtMs, outcome, ...rest } = x;
    return ok(200, rest);
  }
  if (p === '/v1/orders' && m === 'GET') {
    const u = authUser(req);
    if (!u) return fail(401, 'unauthorized', 'missing or bad token');
    return ok(200, { orders: [...orders.values()].filter((o) => o.userId === u.userId).map(({ userId, ...o }) => o) });
  }
  if (p === '/dev/take' && m === 'POST') {
    const ev = events.get(body.eventId);
    for (const id of body.seats || []) changeSeat(ev, ev.seatIndex.get(id), STATUS.indexOf(body.status || 'sold'));
    if (body.section) {
      const sec = ev.sections.find((s) => s.section === body.section);
      sec.available = Number(body.available);
      changeSection(ev, sec);
    }
    return ok(200, { version: ev.version });
  }
  if (p === '/dev/config' && m === 'POST') {
    HOLD_SECONDS = Number(body.holdSeconds) || HOLD_SECONDS;
    OFFER_SECONDS = Number(body.offerSeconds) || OFFER_SECONDS;
    PENDING_SECONDS = Number(body.pendingSeconds) || PENDING_SECONDS;
    PENDING_OUTCOME = body.pendingOutcome || PENDING_OUTCOME;
    return ok(200, { holdSeconds: HOLD_SECONDS, offerSeconds: OFFER_SECONDS, pendingSeconds: PENDING_SECONDS, pendingOutcome: PENDING_OUTCOME });
  }
  if (p === '/dev/price' && m === 'POST') {
    const ev = events.get(body.eventId);
    const sec = ev.sections.find((s) => s.section === body.section);
    sec.price = Number(body.price);
    changeSection(ev, sec);
    return ok(200, { version: ev.version });
  }
  if (p === '/dev/queue' && m === 'POST') {
    const ev = events.get(body.eventId);
    if (!ev.room || body.reset) ev.room = newRoom({ admitPerMinute: 600, activeMax: 500, difficulty: 0, accessSeconds: 600,
      othersAhead: 0, opensInSeconds: 0, ...(ev.room || {}), ...body });
    else configureRoom(ev.room, body);
    const { entries, line, pre, challenges, ...cfg } = ev.room;
    return ok(200, { ...cfg, entries: entries.size, line: line.length, pre: pre.length });
  }
  if (p === '/dev/ratelimit' && m === 'POST') {
    rateRules.push({ method: body.method, path: body.path || '/', times: Number(body.times) || 1, retryAfter: Number(body.retryAfter) || 3 });
    return ok(200, { rules: rateRules.length });
  }
  if (p === '/dev/stats' && m === 'GET')
    return ok(200, { requests: stats.requests, withoutDeviceId: stats.withoutDeviceId, deviceIds: [...stats.deviceIds] });
  if (p === '/dev/gap' && m === 'POST') {
    const ev = events.get(body.eventId);
    ev.pending.fromVersion = ev.version + 5; // clients see a hole and must refetch
    ev.version += 5;
    changeSeat(ev, ev.st.indexOf(0), 2);
    return ok(200, { version: ev.version });
  }
  return fail(404, 'not_found', `no route ${m} ${p}`);
}

function placeHold(req, ev, body) {
  const u = authUser(req);
  if (!u) return fail(401, 'unauthorized', 'missing or bad token');
  if (ev.status !== 'on_sale') return fail(409, 'event_not_on_sale', 'this event is not on sale');
  if (!admitted(req, ev, u)) return fail(403, 'not_admitted', 'wait for your turn in the waiting room');
  let idx = [], section = null, quantity = 0, total = 0;
  if (Array.isArray(body?.seats)) {
    if (!body.seats.length || body.seats.length > 16) return fail(400, 'invalid_request', 'between 1 and 16 seats');
    for (const id of body.seats) {
      const i = ev.seatIndex.get(id);
      if (i === undefined) return fail(422, 'unknown_seat', `no seat ${id}`);
      idx.push(i);
    }
    const taken = idx.filter((i) => ev.st[i] !== 0).map((i) => ev.venue.seats[i].seatId);
    if (taken.length) return fail(409, 'seat_unavailable', 'some seats are no longer available', { seats: taken });
    for (const i of idx) total += ev.sections.find((s) => s.section === ev.venue.seats[i].section).price;
  } else {
    const sec = ev.sections.find((s) => s.section === body?.section && s.kind === 'ga');
    if (!sec) return fail(422, 'unknown_section', `no GA section ${body?.section}`);
    quantity = Number(body.quantity);
    if (!(quantity >= 1 && quantity <= 16)) return fail(400, 'invalid_request', 'quantity 1-16');
    if (sec.available < quantity) return fail(409, 'seat_unavailable', `only ${sec.available} left`, { seats: [] });
    section = sec.section;
    total = sec.price * quantity;
  }
  const count = idx.length || quantity;
  if (seatsOf(u.userId, ev) + count > 8) return fail(409, 'limit_exceeded', 'at most 8 seats per person for this event');
  for (const i of idx) changeSeat(ev, i, 1);
  if (section) { const s = ev.sections.find((x) => x.section === section); s.available -= quantity; changeSection(ev, s); }
  const expiresAtMs = Date.now() + HOLD_SECONDS * 1000;
  const h = { holdId: `h${nextId++}`, eventId: ev.eventId, userId: u.userId, idx, section, quantity, count,
    total, expiresAtMs, state: 'active' };
  holds.set(h.holdId, h);
  const res = { holdId: h.holdId, eventId: ev.eventId, expiresAt: new Date(expiresAtMs).toISOString(), expiresAtMs,
    seats: idx.map((i) => ev.venue.seats[i].seatId), total };
  if (section) Object.assign(res, { section, quantity });
  return ok(201, res);
}

function placeOrder(req, body) {
  const u = authUser(req);
  if (!u) return fail(401, 'unauthorized', 'missing or bad token');
  const key = req.headers['idempotency-key'];
  if (!key) return fail(400, 'invalid_request', 'Idempotency-Key header required');
  const bodyHash = JSON.stringify(body);
  const seen = idempotency.get(`${u.userId}|${key}`);
  if (seen) return seen.bodyHash === bodyHash ? { status: seen.status, body: seen.body }
    : fail(422, 'idempotency_key_reused', 'this key was used with a different request');
  const h = holds.get(body?.holdId);
  let res;
  if (!h || h.userId !== u.userId) res = fail(404, 'unknown_hold', 'no such hold');
  else if (h.state !== 'active' || h.expiresAtMs <= Date.now()) res = fail(409, 'hold_expired', 'the hold has expired');
  else if (body?.payment?.card === '4000000000000002') res = fail(402, 'payment_declined', 'the card was declined');
  else if (body?.payment?.card === '4000000000009995') res = fail(402, 'insufficient_funds', 'insufficient funds');
  else if (!/^\d{12,19}$/.test(body?.payment?.card || '')) res = fail(400, 'invalid_request', 'card number must be 12-19 digits');
  else if ([...payments.values()].some((x) => x.holdId === h.holdId && x.status === 'pending'))
    res = fail(409, 'payment_pending', 'a payment of this hold is still pending');
  else if (body?.payment?.card === '4000000000000119') {
    const pay = { paymentId: `p${nextId++}`, userId: u.userId, holdId: h.holdId, status: 'pending',
      settleAtMs: Date.now() + PENDING_SECONDS * 1000, outcome: PENDING_OUTCOME };
    payments.set(pay.paymentId, pay);
    res = ok(202, { status: 'pending', paymentId: pay.paymentId, holdId: h.holdId });
  } else res = ok(201, confirmHold(h));
  idempotency.set(`${u.userId}|${key}`, { bodyHash, status: res.status, body: res.body });
  return res;
}

const MIME = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.svg': 'image/svg+xml',
  '.png': 'image/png', '.ico': 'image/x-icon', '.json': 'application/json' };

function serveStatic(res, rel) {
  const file = path.join(WEB_DIR, rel);
  if (!file.startsWith(WEB_DIR + path.sep) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) {
    res.writeHead(404, { 'content-type': 'text/plain' });
    return res.end('not found');
  }
  res.writeHead(200, { 'content-type': MIME[path.extname(file)] || 'application/octet-stream', 'cache-control': 'no-store' });
  fs.createReadStream(file).pipe(res);
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  if (req.method === 'GET' && url.pathname === '/') return serveStatic(res, 'index.html');
  if (req.method === 'GET' && url.pathname.startsWith('/web/')) return serveStatic(res, url.pathname.slice(5));
  if (url.pathname.startsWith('/v1/')) {
    stats.requests++;
    if (req.headers['device-id']) stats.deviceIds.add(req.headers['device-id']);
    else stats.withoutDeviceId++;
    const limited = rateLimited(req, url);
    if (limited) { req.resume(); return send(res, limited); }
  }
  let raw = '';
  req.on('data', (c) => { raw += c; });
  req.on('end', () => {
    let body = null;
    if (raw) try { body = JSON.parse(raw); } catch { return send(res, fail(400, 'bad_json', 'body is not JSON')); }
    send(res, route(req, url, body));
  });
});

function send(res, { status, body, headers = {} }) {
  if (status === 204) { res.writeHead(204, headers); return res.end(); }
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(text);
}

// --- WebSocket (RFC 6455, the minimum) ----------------------------------------------
server.on('upgrade', (req, socket) => {
  const wsUrl = new URL(req.url, 'http://x');
  const m = /^\/v1\/events\/([^/]+)\/live$/.exec(wsUrl.pathname);
  const ev = m && events.get(m[1]);
  const key = req.headers['sec-websocket-key'];
  if (!ev || !key) { socket.end('HTTP/1.1 404 Not Found\r\n\r\n'); return; }
  const accept = crypto.createHash('sha1').update(key + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64');
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
  const ticket = liveTickets.get(wsUrl.searchParams.get('ticket') || '');
  liveTickets.delete(wsUrl.searchParams.get('ticket') || ''); // single use
  socket.userId = ticket?.userId;
  socket.queueToken = ticket?.queueToken;
  ev.sockets.add(socket);
  wsSend(socket, { type: 'hello', eventId: ev.eventId, version: ev.version });
  let buf = Buffer.alloc(0);
  socket.on('data', (chunk) => {
    buf = Buffer.concat([buf, chunk]);
    while (buf.length >= 2) {
      const op = buf[0] & 0x0f, masked = buf[1] & 0x80;
      let len = buf[1] & 0x7f, off = 2;
      if (len === 126) { if (buf.length < 4) return; len = buf.readUInt16BE(2); off = 4; }
      else if (len === 127) { if (buf.length < 10) return; len = Number(buf.readBigUInt64BE(2)); off = 10; }
      const total = off + (masked ? 4 : 0) + len;
      if (buf.length < total) return;
      const mask = masked ? buf.subarray(off, off + 4) : null;
      const payload = Buffer.from(buf.subarray(total - len, total));
      if (mask) for (let i = 0; i < payload.length; i++) payload[i] ^= mask[i % 4];
      buf = buf.subarray(total);
      if (op === 0x8) { socket.end(Buffer.from([0x88, 0])); return; }
      if (op === 0x9) socket.write(Buffer.concat([frameHeader(0x8a, payload.length), payload]));
    }
  });
  const drop = () => ev.sockets.delete(socket);
  socket.on('close', drop);
  socket.on('error', drop);
});

function frameHeader(first, len) {
  if (len < 126) return Buffer.from([first, len]);
  if (len < 65536) { const b = Buffer.alloc(4); b[0] = first; b[1] = 126; b.writeUInt16BE(len, 2); return b; }
  const b = Buffer.alloc(10); b[0] = first; b[1] = 127; b.writeBigUInt64BE(BigInt(len), 2); return b;
}
function wsSend(socket, msg) {
  const payload = Buffer.from(JSON.stringify(msg));
  if (!socket.destroyed) socket.write(Buffer.concat([frameHeader(0x81, payload.length), payload]));
}

server.listen(PORT, '127.0.0.1', () =>
  console.log(`holdfast mock on http://127.0.0.1:${PORT}/ (hold ${HOLD_SECONDS}s${CHURN ? ', churn' : ''})`));
