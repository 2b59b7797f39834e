// Headless run of the on-sale features against the mock: the waiting room into a
// purchase (proof of work, reload keeps the place, 403 not_admitted sends the user back,
// a lapsed admission shows "expired" and rejoins),
// dynamic prices (no canvas redraw, locked hold price), a waitlist offer paid from the
// banner and one from "My orders", pending payments (confirmed, refunded, resumed after
// a reload), insufficient funds, a 429 with Retry-After, and the Device-Id header.
// Throwaway, like smoke.mjs.
//   node web/dev/mock_server.mjs --port 8081 &
//   node --experimental-websocket web/dev/onsale_smoke.mjs http://127.0.0.1:8081/ [shots-dir]
import { launch, sleep } from './cdp.mjs';

const base = process.argv[2] || 'http://127.0.0.1:8081/';
const shots = process.argv[3] || '/tmp';
const page = await launch({ port: 9335 });
const q = (testid, extra = '') => `document.querySelector('[data-testid="${testid}"]${extra}')`;
const text = (testid, extra) => page.eval(`${q(testid, extra)}?.textContent ?? null`);
const dev = (path, body) => page.eval(`fetch('${path}', {method: 'POST', body: ${JSON.stringify(JSON.stringify(body))}}).then(r => r.json())`);
const visible = (testid, extra = '') => `(${q(testid, extra)} && ${q(testid, extra)}.offsetParent !== null)`;
// A DOM click, for buttons a toast (bottom right) may cover.
const press = (testid) => page.eval(`${q(testid)}.click()`);
const notices = () => page.eval(`[...document.querySelectorAll('[data-testid=notice]')].map(n => n.dataset.code + ': ' + n.textContent)`);
let failures = 0;
function check(what, ok, detail = '') {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}${detail ? ` (${detail})` : ''}`);
  if (!ok) failures++;
}
const mapReady = `${q('seat-canvas')}?.dataset.state === 'ready' && ${visible('map-pane')}`;
// Records the method, path and a few headers of every API request the page makes.
const recordRequests = `window.__reqs = []; { const f = window.fetch; window.fetch = (url, init = {}) => {
  const hd = init.headers || {}; __reqs.push({method: init.method || 'GET', url: String(url), access: hd['Access-Token'] || null,
    device: hd['Device-Id'] || null, body: init.body || null}); return f(url, init); }; }`;

async function freeSeats(eventId, seats) {
  await dev('/dev/take', { eventId, seats, status: 'available' });
}

async function waitingRoomIntoPurchase() {
  await dev('/dev/queue', { eventId: '6', reset: true, opensInSeconds: 5, othersAhead: 25, othersFirst: true, admitPerMinute: 600, difficulty: 0 });
  await page.goto(`${base}#/events/6`);
  await page.waitFor(`${q('waiting-room')}?.dataset.status === 'pre_queue'`);
  check('waiting room instead of the map', await page.eval(`!${visible('map-pane')}`));
  check('pre-queue countdown', /^00:0[0-5]$/.test(await text('queue-countdown')), await text('queue-countdown'));
  check('pre-queue says the order is randomized', /random place in line/.test(await text('waiting-room')));
  const token = await page.eval(`holdfast.queueState().queueToken`);
  await page.screenshot(`${shots}/onsale-prequeue.png`);
  await page.send('Page.reload');
  await page.waitFor(`${q('waiting-room')}?.dataset.status === 'pre_queue'`);
  check('a reload keeps the place', (await page.eval(`holdfast.queueState().queueToken`)) === token);
  await page.waitFor(`${q('waiting-room')}?.dataset.status === 'queued'`, 10000);
  const state = await page.eval('holdfast.queueState()');
  check('queued with a position', state.position > 0 && state.etaSeconds >= 0, JSON.stringify(state));
  check('position shown', (await page.eval(`${q('queue-position')}.dataset.position`)) === String(state.position));
  check('ETA as mm:ss', /^\d\d:\d\d$/.test(await text('queue-eta')), await text('queue-eta'));
  await page.screenshot(`${shots}/onsale-queued.png`);
  await page.waitFor(mapReady, 15000);
  check('admitted onto the map automatically', (await page.eval('holdfast.queueState().status')) === 'admitted');
  check('access countdown shown', /Your turn: \d\d:\d\d left/.test(await text('access-countdown')), await text('access-countdown'));
  await page.send('Page.reload');
  await page.waitFor(mapReady, 15000);
  check('a reload keeps the admission', !!(await page.eval('holdfast.accessToken()')));

  await freeSeats('6', ['101-A-1', '101-A-2']);
  await page.waitFor(`holdfast.seatStatus('101-A-2') === 'available'`);
  await page.eval(recordRequests);
  await page.eval(`holdfast.selectSeats(['101-A-1', '101-A-2'])`);
  await page.clickTestId('hold-button');
  await page.waitFor(q('countdown'));
  const hold = await page.eval(`__reqs.find(r => r.method === 'POST' && r.url.endsWith('/holds'))`);
  check('hold sends Access-Token', hold && hold.access === (await page.eval('holdfast.accessToken()')), JSON.stringify(hold));
  await page.clickTestId('pay-button');
  await page.waitFor(q('order-confirmation'));
  check('bought through the waiting room', /^o\d+$/.test(await text('order-id')), await text('order-id'));
  await page.clickTestId('back-to-map');
  await page.waitFor(mapReady);

  // A token the server does not accept: 403 not_admitted, back to the line, and (the
  // server still has this user admitted) straight back in with a fresh token.
  await page.eval(`sessionStorage.setItem('holdfast.access.6', JSON.stringify({...JSON.parse(sessionStorage.getItem('holdfast.access.6')), accessToken: 'bogus'}))`);
  await freeSeats('6', ['101-A-3']);
  await page.waitFor(`holdfast.seatStatus('101-A-3') === 'available'`);
  await page.eval(`holdfast.selectSeats(['101-A-3'])`);
  await page.clickTestId('hold-button');
  await page.waitFor(`[...document.querySelectorAll('[data-testid=notice]')].some(n => n.dataset.code === 'not_admitted')`);
  check('403 not_admitted returns to the waiting room', await page.eval(`!!${q('waiting-room')}`));
  await page.waitFor(mapReady, 10000);
  check('re-admitted with a valid token', (await page.eval('holdfast.accessToken()')) !== 'bogus');
}

async function proofOfWork() {
  await dev('/dev/queue', { eventId: '6', reset: true, opensInSeconds: 0, othersAhead: 5, difficulty: 12 });
  await page.eval(`localStorage.removeItem('holdfast.queue.6'); sessionStorage.removeItem('holdfast.access.6')`);
  await page.goto(`${base}#/`);
  await page.goto(`${base}#/events/6`);
  await page.waitFor(mapReady, 20000);
  check('joined with a proof of work (difficulty 12) and admitted', (await page.eval('holdfast.queueState().status')) === 'admitted');
  await dev('/dev/queue', { eventId: '6', difficulty: 0 });
}

async function accessExpiry() {
  await dev('/dev/queue', { eventId: '6', reset: true, opensInSeconds: 0, othersAhead: 0, accessSeconds: 4 });
  await page.eval(`localStorage.removeItem('holdfast.queue.6'); sessionStorage.removeItem('holdfast.access.6')`);
  await page.goto(`${base}#/`);
  await page.goto(`${base}#/events/6`);
  await page.waitFor(mapReady, 10000);
  await page.waitFor(`${q('waiting-room')}?.dataset.status === 'expired' && ${visible('waiting-room')}`, 10000);
  check('lapsed admission goes back to the waiting room as expired', true);
  await dev('/dev/queue', { eventId: '6', accessSeconds: 600 });
  await press('queue-rejoin');
  await page.waitFor(mapReady, 10000);
  check('rejoined and admitted again', (await page.eval('holdfast.queueState().status')) === 'admitted');
}

async function prices() {
  await page.goto(`${base}#/events/1`);
  await page.waitFor(mapReady, 15000);
  check('no waiting room without one', (await page.eval('holdfast.queueState()')) === null);
  const before = await page.eval('holdfast.prices()');
  check('prices hook', before['101'] === 12000, JSON.stringify(before).slice(0, 80));
  await page.eval(`document.querySelector('[data-section="101"][data-testid=section-row]').click()`);
  await sleep(200);
  const pos = await page.eval(`holdfast.seatPosition('101-B-5')`);
  await page.mouse('mouseMoved', pos.x, pos.y);
  await sleep(150);
  const draws = await page.eval('holdfast.drawCount()');
  await dev('/dev/price', { eventId: '1', section: '101', price: 13500 });
  await page.waitFor(`holdfast.prices()['101'] === 13500`);
  await sleep(200);
  const cell = q('section-price', '[data-section="101"]');
  check('section price updated', (await page.eval(`${cell}.dataset.price`)) === '13500', await page.eval(`${cell}.textContent`));
  check('price rise marked', (await page.eval(`${cell}.dataset.trend`)) === 'up' && /▲/.test(await page.eval(`${cell}.textContent`)));
  check('price change flashes', await page.eval(`${cell}.classList.contains('price-flash')`));
  check('tooltip shows the new price and the move', /\$135\.00.*Price ▲ from \$120\.00/.test(await text('seat-tooltip')), await text('seat-tooltip'));
  check('no canvas redraw for a price change', (await page.eval('holdfast.drawCount()')) === draws, `${draws} -> ${await page.eval('holdfast.drawCount()')}`);
  await page.screenshot(`${shots}/onsale-prices.png`);

  await freeSeats('1', ['101-B-5']);
  await page.waitFor(`holdfast.seatStatus('101-B-5') === 'available'`);
  await page.eval(`holdfast.selectSeats(['101-B-5'])`);
  await page.clickTestId('hold-button');
  await page.waitFor(q('countdown'));
  await dev('/dev/price', { eventId: '1', section: '101', price: 15000 });
  await page.waitFor(`!${q('price-now')}.hidden`);
  check('hold keeps its locked price', (await text('hold-total')) === '$135.00', await text('hold-total'));
  check('locked price explained', /locked at \$135\.00/.test(await text('hold-price-lock')) && /\$150\.00/.test(await text('price-now')), await text('price-now'));
  await page.screenshot(`${shots}/onsale-locked.png`);
  await page.clickTestId('cancel-hold-button');
  await page.waitFor(mapReady);
  await dev('/dev/price', { eventId: '1', section: '101', price: 12000 });
}

async function payments() {
  await dev('/dev/config', { pendingSeconds: 3, pendingOutcome: 'confirmed' });
  const holdOne = async (seat) => {
    await freeSeats('1', [seat]);
    await page.waitFor(`holdfast.seatStatus('${seat}') === 'available'`);
    await page.eval(`holdfast.selectSeats(['${seat}'])`);
    await page.clickTestId('hold-button');
    await page.waitFor(q('pay-button'));
  };
  const payWith = (card) => page.eval(`${q('card-input')}.value = '${card}'; ${q('pay-form')}.requestSubmit()`);

  await holdOne('103-A-1');
  check('test cards listed', /^424242\d{10},4000000000000002,4000000000009995,4000000000000119$/.test(
    await page.eval(`[...document.querySelectorAll('[data-testid=test-card]')].map(b => b.dataset.card).join()`)));
  await payWith('4000000000009995');
  await page.waitFor(`!${q('payment-error')}.hidden`);
  check('insufficient funds shown', /insufficient funds/.test(await text('payment-error')), await text('payment-error'));
  await payWith('4000000000000119');
  await page.waitFor(q('payment-pending'));
  check('payment pending shown', /Payment pending/.test(await text('payment-pending')));
  await page.screenshot(`${shots}/onsale-pending.png`);
  await page.waitFor(q('order-confirmation'), 10000);
  check('pending payment confirmed by reconciliation', /^o\d+$/.test(await text('order-id')), await text('order-id'));
  await page.clickTestId('back-to-map');
  await page.waitFor(mapReady);

  // A reload while pending resumes the wait.
  await holdOne('103-A-2');
  await payWith('4000000000000119');
  await page.waitFor(q('payment-pending'));
  await page.send('Page.reload');
  await page.waitFor(q('payment-pending'), 10000);
  check('a reload resumes the pending payment', true);
  await page.waitFor(q('order-confirmation'), 10000);
  check('resumed payment confirmed', /^o\d+$/.test(await text('order-id')));
  await page.clickTestId('back-to-map');
  await page.waitFor(mapReady);

  await dev('/dev/config', { pendingOutcome: 'refunded' });
  await holdOne('103-A-3');
  await payWith('4000000000000119');
  await page.waitFor(q('payment-refunded'), 10000);
  check('refund explained', /hold was lost and the charge refunded/.test(await text('payment-refunded')));
  await page.screenshot(`${shots}/onsale-refunded.png`);
  await page.clickTestId('back-to-map');
  await page.waitFor(mapReady);
  await dev('/dev/config', { pendingOutcome: 'confirmed' });
}

async function rateLimit() {
  await freeSeats('1', ['104-A-1']);
  await page.waitFor(`holdfast.seatStatus('104-A-1') === 'available'`);
  await page.eval(recordRequests);
  await dev('/dev/ratelimit', { method: 'POST', path: '/v1/events/1/holds', times: 1, retryAfter: 3 });
  await page.eval(`holdfast.selectSeats(['104-A-1'])`);
  await page.clickTestId('hold-button');
  await page.waitFor(`[...document.querySelectorAll('[data-testid=notice]')].some(n => n.dataset.code === 'rate_limited')`);
  const notice = (await notices()).find((n) => n.startsWith('rate_limited'));
  check('429 says slow down and when to retry', /Slow down.*Retry in 3 s/.test(notice), notice);
  await page.waitFor(`!${q('hold-button')}.disabled`);
  await page.clickTestId('hold-button'); // within Retry-After: refused locally
  await sleep(200);
  const sent = await page.eval(`__reqs.filter(r => r.method === 'POST' && r.url.endsWith('/holds')).length`);
  check('no request inside Retry-After', sent === 1, `${sent} hold requests`);
  await sleep(3000);
  await page.clickTestId('hold-button');
  await page.waitFor(q('countdown'));
  check('hold goes through after Retry-After', true);
  await page.clickTestId('cancel-hold-button');
  await page.waitFor(mapReady);
}

async function waitlist() {
  await dev('/dev/config', { offerSeconds: 90 });
  await page.goto(`${base}#/events/7`);
  await page.waitFor(mapReady, 15000);
  await page.waitFor(visible('waitlist-card'));
  check('sold-out event offers the waitlist', (await page.eval(`${q('waitlist-section')}.options[0].textContent`)) === 'Any section');
  await page.eval(`${q('waitlist-quantity')}.value = '2'`);
  await press('waitlist-join');
  await page.waitFor(q('waitlist-entry', '[data-status="waiting"]'));
  const [entry] = await page.eval('holdfast.waitlist()');
  check('waitlist hook', entry && entry.status === 'waiting' && entry.quantity === 2, JSON.stringify(entry));
  await page.screenshot(`${shots}/onsale-waitlist.png`);

  const freedAt = Date.now();
  await freeSeats('7', ['105-A-1', '105-A-2']);
  await page.waitFor(visible('waitlist-offer'), 6000);
  check('offer pushed over the live socket', Date.now() - freedAt < 2500, `${Date.now() - freedAt} ms`);
  check('offer countdown', /^01:[23]\d$/.test(await text('offer-countdown')), await text('offer-countdown'));
  await page.screenshot(`${shots}/onsale-offer.png`);
  await page.clickTestId('offer-pay-button');
  await page.waitFor(q('checkout'));
  check('offer opens checkout for its hold', /105-A-1/.test(await text('hold-seats')) && !(await page.eval(visible('waitlist-offer'))));
  await page.clickTestId('pay-button');
  await page.waitFor(q('order-confirmation'));
  await page.waitFor(`holdfast.waitlist()[0].status === 'fulfilled'`);
  check('offer paid, entry fulfilled', true);

  // A second place, offered while on "My orders" (found by polling), paid from there.
  await page.clickTestId('back-to-map');
  await page.waitFor(mapReady);
  await page.eval(`${q('waitlist-section')}.value = '106'; ${q('waitlist-quantity')}.value = '1'`);
  await press('waitlist-join');
  await page.waitFor(`holdfast.waitlist().length === 2`);
  await page.clickTestId('my-orders-link');
  await page.waitFor(`document.querySelectorAll('[data-testid=waitlist-entry]').length === 2`);
  await freeSeats('7', ['106-A-7']);
  await page.waitFor(q('waitlist-pay-button'), 8000);
  await page.screenshot(`${shots}/onsale-my-waitlist.png`);
  await page.clickTestId('waitlist-pay-button');
  await page.waitFor(`${q('checkout')} && /106-A-7/.test(${q('hold-seats')}.textContent)`, 10000);
  check('offer from My orders opens its checkout', true);
  await page.clickTestId('cancel-hold-button');
  await page.waitFor(`holdfast.waitlist().find(e => e.section === '106')?.status === 'expired'`);
  check('declined offer shows expired', true);
}

try {
  await page.goto(base);
  await page.waitFor(`document.querySelectorAll('[data-testid=event-link]').length > 0`);
  check('waiting-room badge on the event list', /Waiting room/.test(await text('waiting-room-badge')), await text('waiting-room-badge'));
  await page.clickTestId('guest-button');
  await page.waitFor(`/^Guest-\\d{4}$/.test(${q('user-name')}.textContent)`);
  await waitingRoomIntoPurchase();
  await proofOfWork();
  await accessExpiry();
  await prices();
  await payments();
  await rateLimit();
  await waitlist();
  const stats = await page.eval(`fetch('/dev/stats').then(r => r.json())`);
  check('every API request carried one stable Device-Id', stats.withoutDeviceId === 0 && stats.deviceIds.length === 1,
    JSON.stringify({ ...stats, deviceIds: stats.deviceIds.length }));
} catch (err) {
  failures++;
  console.log(`FAIL ${err.message}`);
  console.log((await notices().catch(() => [])).join('\n'));
  await page.screenshot(`${shots}/onsale-failure.png`);
} finally {
  const errors = page.logs.filter((l) => /EXCEPTION/.test(l));
  if (errors.length) { failures++; console.log(errors.join('\n')); }
  await page.close();
}
console.log(failures ? `${failures} failure(s)` : 'all good');
process.exit(failures ? 1 : 0);
