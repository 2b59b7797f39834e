// Throwaway dev server for the web UI: serves web/ like the node does and fakes
// net/API.md in memory, including the live WebSocket (a minimal RFC 6455 server:
// handshake, unmasked text frames out, close/ping in). Not production code.
//
//   node web/dev/mock_server.mjs [--port 8081] [--hold-seconds 600] [--churn]
//
// Dev-only endpoints to exercise the UI by hand or from a browser test:
//   POST /dev/take  {"eventId":"1","seats":["101-A-1"],"status":"sold"}  another user takes seats
//   POST /dev/gap   {"eventId":"1"}   skip a version so clients must refetch the seat map
//   POST /dev/config {"holdSeconds": 5}   shorter holds, to see expiry
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
function addEvent(eventId, name, artist, category, startsAt, venue, status, soldRatio) {
  const st = new Uint8Array(venue.seats.length);
  for (let i = 0; i < st.length; i++) {
    const r = rand();
    st[i] = r < soldRatio ? 2 : r < soldRatio + 0.03 ? 1 : 0;
  }
  const sections = venue.sections.map((s) => ({ ...s, price: s.basePrice,
    available: s.kind === 'ga' ? Math.floor(s.capacity * 0.6) : 0 }));
  const ev = { eventId, name, artist, category, startsAt, venue, status, st, sections,
    seatIndex: new Map(venue.seats.map((s, i) => [s.seatId, i])), version: 1,
    pending: { seats: new Map(), sections: new Set(), fromVersion: 1, timer: null }, sockets: new Set() };
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

function publicEvent(ev, detail) {
  const minPrice = Math.min(...ev.sections.map((s) => s.price));
  const base = { eventId: ev.eventId, name: ev.name, artist: ev.artist, category: ev.category,
    startsAt: ev.startsAt, status: ev.status,
    venue: { id: ev.venue.id, name: ev.venue.name, city: ev.venue.city }, minPrice, currency: 'USD' };
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
  if ((r = /^\/v1\/events\/([^/]+)(\/seatmap|\/holds)?$/.exec(p))) {
    const ev = events.get(r[1]);
    if (!ev) return fail(404, 'unknown_event', `no event ${r[1]}`);
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
  if (p === '/v1/orders' && m === 'GET') {
    const u = authUser(req);
    if (!u) return fail(401, 'unauthorized', 'missing or bad token');
    return ok(200, { orders: [...orders.values()].filter((o) => o.userId === u.userId).map(({ userId, ...o }) => o) });
  }
  if (p === '/dev/take' && m === 'POST') {
    const ev = events.get(body.eventId);
    for (const id of body.seats) changeSeat(ev, ev.seatIndex.get(id), STATUS.indexOf(body.status || 'sold'));
    return ok(200, { version: ev.version });
  }
  if (p === '/dev/config' && m === 'POST') {
    HOLD_SECONDS = Number(body.holdSeconds) || HOLD_SECONDS;
    return ok(200, { holdSeconds: HOLD_SECONDS });
  }
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
  else if (!/^\d{12,19}$/.test(body?.payment?.card || '')) res = fail(400, 'invalid_request', 'card number must be 12-19 digits');
  else {
    h.state = 'confirmed';
    const ev = events.get(h.eventId);
    for (const i of h.idx) changeSeat(ev, i, 2);
    const o = { orderId: `o${nextId++}`, status: 'confirmed', eventId: h.eventId, holdId: h.holdId,
      seats: h.idx.map((i) => ev.venue.seats[i].seatId), total: h.total, createdAt: new Date().toISOString() };
    if (h.section) Object.assign(o, { section: h.section, quantity: h.quantity });
    orders.set(o.orderId, { ...o, userId: u.userId });
    res = ok(201, o);
  }
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
  let raw = '';
  req.on('data', (c) => { raw += c; });
  req.on('end', () => {
    let body = null;
    if (raw) try { body = JSON.parse(raw); } catch { return send(res, fail(400, 'bad_json', 'body is not JSON')); }
    send(res, route(req, url, body));
  });
});

function send(res, { status, body }) {
  if (status === 204) { res.writeHead(204); return res.end(); }
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(text);
}

// --- WebSocket (RFC 6455, the minimum) ----------------------------------------------
server.on('upgrade', (req, socket) => {
  const m = /^\/v1\/events\/([^/]+)\/live$/.exec(new URL(req.url, 'http://x').pathname);
  const ev = m && events.get(m[1]);
  const key = req.headers['sec-websocket-key'];
  if (!ev || !key) { socket.end('HTTP/1.1 404 Not Found\r\n\r\n'); return; }
  const accept = crypto.createHash('sha1').update(key + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64');
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
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
