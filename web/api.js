// The HTTP client for net/API.md: JSON in and out, bearer auth from a user kept in
// localStorage, one automatic sign-up retry on 401, errors as ApiError carrying the
// server's stable code, a per-browser Device-Id on every request, and 429 handling:
// after a rate_limited answer the same method and path are refused locally until its
// Retry-After has passed, so neither a user nor a poller can hammer the server.

const userKey = 'holdfast.user';
const deviceKey = 'holdfast.device';
const retryAfterSDefault = 5;  // when a 429 carries no usable Retry-After
const retryAfterSMax = 600;
const blockedPathsMax = 64;
const listeners = new Set();
let user = loadUser();
let signUpInFlight = null;

// Server clock minus ours, from the Date header, so hold countdowns end when the
// server's do. The header has 1 s resolution, so small differences are ignored.
let clockSkewMs = 0;
const skewIgnoredMs = 1500;

const blockedUntilMs = new Map(); // "METHOD /path" -> Date.now() before which we do not ask again
let device = null;

export class ApiError extends Error {
  constructor(status, code, message, details = {}) {
    super(message || code);
    this.status = status;
    this.code = code;
    this.details = details; // the whole "error" object, e.g. {seats: [...]} on seat_unavailable
    this.retryAfterS = 0;   // on rate_limited, and on overloaded with Retry-After: seconds to wait
  }
}

// A stable random id for this browser, sent as Device-Id so the server can rate-limit
// and queue per device. Kept in localStorage; a fresh one if storage is unavailable.
export function deviceId() {
  if (device) return device;
  try { device = localStorage.getItem(deviceKey); } catch { device = null; }
  if (!device || !/^[\w-]{8,64}$/.test(device)) {
    device = randomId();
    try { localStorage.setItem(deviceKey, device); } catch { /* private mode: per-page id */ }
  }
  return device;
}

// 128 random bits as hex. crypto.randomUUID exists only in secure contexts (https,
// localhost); getRandomValues works on a plain-http LAN address too.
export function randomId() {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
}

function rateLimited(retryAfterS, message) {
  const s = Math.max(1, Math.ceil(retryAfterS));
  const err = new ApiError(429, 'rate_limited', `Slow down: too many requests. Retry in ${s} s.`, { message });
  err.retryAfterS = s;
  return err;
}

// Seconds from a Retry-After header (delta-seconds or an HTTP date), bounded.
function parseRetryAfter(header) {
  if (!header) return retryAfterSDefault;
  const seconds = /^\s*\d+\s*$/.test(header) ? Number(header) : (Date.parse(header) - Date.now()) / 1000;
  return Number.isFinite(seconds) ? Math.min(Math.max(seconds, 1), retryAfterSMax) : retryAfterSDefault;
}

function loadUser() {
  try {
    const stored = JSON.parse(localStorage.getItem(userKey) || 'null');
    return stored && stored.token && stored.userId ? stored : null;
  } catch {
    return null;
  }
}

export function currentUser() {
  return user;
}

export function onUserChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

function setUser(next) {
  user = next;
  if (next) localStorage.setItem(userKey, JSON.stringify(next));
  else localStorage.removeItem(userKey);
  for (const fn of listeners) fn(user);
}

export function serverNowMs() {
  return Date.now() + clockSkewMs;
}

export function guestName() {
  return `Guest-${String(Math.floor(Math.random() * 10000)).padStart(4, '0')}`;
}

// An account costs a small proof of work (GET /v1/users/challenge, then the nonce
// with the sign-up): a fraction of a second here, thousands of accounts' worth for a
// script. A challenge is single-use, so a retry fetches a new one.
export async function signUp(name) {
  const { challenge, difficulty } = await request('GET', '/v1/users/challenge');
  let nonce = '0';
  if (difficulty > 0) {
    const { solve } = await import('./pow.js');
    nonce = await solve(challenge, difficulty);
  }
  const created = await request('POST', '/v1/users',
    { body: { name: name || guestName(), challenge, nonce } });
  setUser({ userId: created.userId, name: created.name, token: created.token });
  return user;
}

// Returns the signed-in user, creating a guest on first use. Concurrent callers
// share one sign-up.
export async function ensureUser() {
  if (user) return user;
  if (!signUpInFlight) signUpInFlight = signUp().finally(() => { signUpInFlight = null; });
  return signUpInFlight;
}

// A single-use ticket for opening one live socket as the signed-in user (the bearer
// token stays out of URLs): {ticket, expiresInSeconds}. queueToken: the waiting-room
// place the socket may report on.
export async function liveTicket(queueToken) {
  return api('POST', '/v1/live-tickets', { body: queueToken ? { queueToken } : {}, auth: true });
}

// api('POST', '/v1/orders', {body, auth: true, headers}) -> parsed JSON (null on 204).
export async function api(method, path, { body, auth = false, headers = {} } = {}) {
  if (!auth) return request(method, path, { body, headers });
  await ensureUser();
  try {
    return await request(method, path, { body, headers, token: user.token });
  } catch (err) {
    if (!(err instanceof ApiError) || err.status !== 401) throw err;
    // The token is unknown to the server (e.g. it lost its users): sign up again
    // under the same name and retry once.
    const name = user && user.name;
    setUser(null);
    await signUp(name);
    return request(method, path, { body, headers, token: user.token });
  }
}

async function request(method, path, { body, headers = {}, token } = {}) {
  const blockKey = `${method} ${path.split('?')[0]}`;
  const blockedMs = (blockedUntilMs.get(blockKey) || 0) - Date.now();
  if (blockedMs > 0) throw rateLimited(blockedMs / 1000);
  blockedUntilMs.delete(blockKey);
  const init = { method, headers: { Accept: 'application/json', 'Device-Id': deviceId(), ...headers } };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  if (token) init.headers.Authorization = `Bearer ${token}`;
  let response;
  try {
    response = await fetch(path, init);
  } catch (err) {
    throw new ApiError(0, 'network_error', 'Cannot reach the server. Check your connection and try again.');
  }
  noteServerDate(response.headers.get('Date'));
  if (response.status === 204) return null;
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (response.ok) return data;
  const error = (data && data.error) || {};
  if (response.status === 429) {
    const retryAfterS = parseRetryAfter(response.headers.get('Retry-After'));
    if (blockedUntilMs.size >= blockedPathsMax) // forget lapsed blocks before adding one
      for (const [key, until] of blockedUntilMs) if (until <= Date.now()) blockedUntilMs.delete(key);
    blockedUntilMs.set(blockKey, Date.now() + retryAfterS * 1000);
    throw rateLimited(retryAfterS, error.message);
  }
  const err = new ApiError(response.status, error.code || `http_${response.status}`,
    error.message || `${response.status} ${response.statusText}`.trim(), error);
  // 503 overloaded: the node sheds work and says when to come back (not a block: the
  // next user action may try at once).
  if (response.status === 503 && response.headers.get('Retry-After'))
    err.retryAfterS = parseRetryAfter(response.headers.get('Retry-After'));
  throw err;
}

function noteServerDate(header) {
  const serverMs = header ? Date.parse(header) : NaN;
  if (Number.isNaN(serverMs)) return;
  const skew = serverMs + 500 - Date.now(); // the header truncates to the second
  clockSkewMs = Math.abs(skew) > skewIgnoredMs ? skew : 0;
}
