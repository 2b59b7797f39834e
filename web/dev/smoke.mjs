// End-to-end smoke run of the UI against the mock in headless Chromium. Throwaway:
// the real browser test comes later; this shows the hooks and testids it can use.
//   node web/dev/mock_server.mjs --port 8081 &
//   node --experimental-websocket web/dev/smoke.mjs http://127.0.0.1:8081/ [shots-dir]
import { launch, sleep } from './cdp.mjs';

const base = process.argv[2] || 'http://127.0.0.1:8081/';
const shots = process.argv[3] || '/tmp';
const page = await launch();
const q = (testid) => `document.querySelector('[data-testid="${testid}"]')`;
const text = (testid) => page.eval(`${q(testid)}?.textContent ?? null`);
const dev = (path, body) => page.eval(`fetch('${path}', {method: 'POST', body: '${JSON.stringify(body)}'}).then(r => r.json())`);
let failures = 0;
function check(what, ok, detail = '') {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}${detail ? ` (${detail})` : ''}`);
  if (!ok) failures++;
}
const mapReady = `${q('seat-canvas')}?.dataset.state === 'ready'`;

try {
  await page.goto(base);
  await page.waitFor(`document.querySelectorAll('[data-testid=event-link]').length > 0`);
  await page.clickTestId('guest-button');
  await page.waitFor(`/^Guest-\\d{4}$/.test(${q('user-name')}.textContent)`);
  check('guest sign-up', true, await text('user-name'));

  await page.eval(`${q('search-input')}.value = 'comedy'; ${q('search-input')}.dispatchEvent(new Event('input'))`);
  await page.waitFor(`document.querySelectorAll('[data-testid=event-link]').length === 1`);
  check('search narrows the list', true);

  await page.goto(`${base}#/events/1`);
  await page.waitFor(mapReady, 15000);
  await dev('/dev/take', { eventId: '1', seats: ['101-A-1', '101-A-2', '101-A-3', '101-A-4'], status: 'available' });
  await page.waitFor(`holdfast.seatStatus('101-A-4') === 'available'`);
  const picked = await page.eval(`holdfast.selectSeats(['101-A-1', '101-A-2'])`);
  check('selectSeats hook', picked.selected.join() === '101-A-1,101-A-2', JSON.stringify(picked));
  check('seatStatus shows selected', (await page.eval(`holdfast.seatStatus('101-A-1')`)) === 'selected');
  check('hold button counts', (await text('hold-button')) === 'Hold 2 seats', await text('hold-button'));

  // Real pointer input: zoom in over section 101, hover and click a seat.
  await page.eval(`document.querySelector('[data-section="101"][data-testid=section-row]').click()`);
  await sleep(150);
  let pos = await page.eval(`holdfast.seatPosition('101-A-3')`);
  await page.mouse('mouseMoved', pos.x, pos.y);
  await sleep(100);
  check('tooltip on hover', (await text('seat-tooltip')) === '101-A-3 · $120.00', await text('seat-tooltip'));
  await page.click(pos.x, pos.y);
  check('click selects a seat', (await page.eval(`holdfast.seatStatus('101-A-3')`)) === 'selected');
  await page.screenshot(`${shots}/ui-selected.png`);

  // Someone else takes a selected seat: it is unselected with a notice.
  await dev('/dev/take', { eventId: '1', seats: ['101-A-3'], status: 'held' });
  await page.waitFor(`holdfast.seatStatus('101-A-3') === 'held'`);
  check('taken seat notice', /101-A-3 was just taken/.test(await text('notice')), await text('notice'));

  // A seat lost between click and hold: 409 seat_unavailable, highlighted.
  await page.eval(`holdfast.selectSeats(['101-A-4'])`);
  await page.eval(`fetch('/dev/take', {method: 'POST', body: JSON.stringify({eventId: '1', seats: ['101-A-4']})})
    .then(() => ${q('hold-button')}.click())`);
  await page.waitFor(`[...document.querySelectorAll('[data-testid=notice]')].some(n => n.dataset.code === 'seat_unavailable')`);
  check('409 keeps the other seats selected', (await page.eval(`holdfast.selectedSeats().join()`)) === '101-A-1,101-A-2');

  // Hold, a declined card, then pay twice at once: one order.
  await page.clickTestId('hold-button');
  await page.waitFor(`${q('countdown')} && /^\\d\\d:\\d\\d$/.test(${q('countdown')}.textContent)`);
  check('checkout countdown', /^(09:5\d|10:00)$/.test(await text('countdown')), await text('countdown'));
  check('checkout total', (await text('hold-total')) === '$240.00', await text('hold-total'));
  check('held seats show held', (await page.eval(`holdfast.seatStatus('101-A-1')`)) === 'held');
  await page.eval(`window.__keys = []; const f = window.fetch; window.fetch = (url, init = {}) => {
    if (init.headers && init.headers['Idempotency-Key']) __keys.push(init.headers['Idempotency-Key']); return f(url, init); }`);
  await page.eval(`${q('card-input')}.value = '4000000000000002'`);
  for (let attempt = 0; attempt < 2; attempt++) {
    await page.clickTestId('pay-button');
    await page.waitFor(`!${q('payment-error')}.hidden && !${q('pay-button')}.disabled`);
  }
  check('payment declined shown', /payment declined/.test(await text('payment-error')), await text('payment-error'));
  const keys = await page.eval('__keys');
  check('retry reuses the Idempotency-Key', keys.length === 2 && keys[0] === keys[1], keys.join(' '));
  await page.screenshot(`${shots}/ui-declined.png`);
  await page.eval(`${q('card-input')}.value = '4242424242424242'; ${q('pay-form')}.requestSubmit(); ${q('pay-form')}.requestSubmit()`);
  await page.waitFor(q('order-confirmation'));
  const paid = await page.eval('__keys');
  check('a new card gets a new key, sent once', paid.length === 3 && paid[2] !== paid[0], paid.join(' '));
  check('order confirmation', /^o\d+$/.test(await text('order-id')), await text('order-id'));
  await page.screenshot(`${shots}/ui-confirmed.png`);

  await page.clickTestId('my-orders-link');
  await page.waitFor(`document.querySelectorAll('[data-testid=order-row]').length > 0`);
  check('one order after double submit', (await page.eval(`document.querySelectorAll('[data-testid=order-row]').length`)) === 1);
  check('order shows event name', /Aurora/.test(await text('order-event')), await text('order-event'));
  await page.screenshot(`${shots}/ui-orders.png`);

  // GA hold and cancel.
  await page.goto(`${base}#/events/1`);
  await page.waitFor(mapReady, 15000);
  await page.eval(`${q('ga-quantity')}.value = '3'; ${q('ga-quantity')}.dispatchEvent(new Event('change'))`);
  await page.clickTestId('ga-hold-button');
  await page.waitFor(q('countdown'));
  check('GA hold line', /FLOOR × 3/.test(await text('hold-seats')), await text('hold-seats'));
  await page.clickTestId('cancel-hold-button');
  await page.waitFor(`!${q('map-pane')}.hidden`);
  check('cancel returns to the map', true);

  // Expiry: a 3 s hold runs out and the map comes back.
  await dev('/dev/config', { holdSeconds: 3 });
  await dev('/dev/take', { eventId: '1', seats: ['102-A-1'], status: 'available' });
  await page.waitFor(`holdfast.seatStatus('102-A-1') === 'available'`);
  await page.eval(`holdfast.selectSeats(['102-A-1'])`);
  await page.clickTestId('hold-button');
  await page.waitFor(q('countdown'));
  await page.waitFor(`!${q('map-pane')}.hidden`, 6000);
  check('hold expired notice', [...await page.eval(`[...document.querySelectorAll('[data-testid=notice]')].map(n => n.textContent)`)]
    .some((t) => /hold expired/.test(t)));
  await dev('/dev/config', { holdSeconds: 600 });

  // A version gap makes the page refetch the seat map.
  const { version } = await dev('/dev/gap', { eventId: '1' });
  await page.waitFor(`holdfast.version() >= ${version}`, 8000);
  check('refetch after a version gap', true, `version ${version}`);

  // A token the server does not know: sign up again and carry on.
  await page.eval(`localStorage.setItem('holdfast.user', JSON.stringify({userId: 'x', name: 'Ada', token: 'bogus'}))`);
  await page.goto(`${base}#/orders`);
  await page.send('Page.reload');
  await sleep(500);
  await page.waitFor(`${q('orders-empty')} || document.querySelector('[data-testid=order-row]')`);
  check('401 re-signs up', (await page.eval(`JSON.parse(localStorage.getItem('holdfast.user')).token`)) !== 'bogus');
} catch (err) {
  failures++;
  console.log(`FAIL ${err.message}`);
  await page.screenshot(`${shots}/ui-failure.png`);
} finally {
  const errors = page.logs.filter((l) => /EXCEPTION/.test(l));
  if (errors.length) { failures++; console.log(errors.join('\n')); }
  await page.close();
}
console.log(failures ? `${failures} failure(s)` : 'all good');
process.exit(failures ? 1 : 0);
