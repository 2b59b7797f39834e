// web/seat_model.js's "best available" finder under Node: run with
//   node --test tests/seat_model_test.mjs
// What this tries to break: a block that spans a gap in the numbering or a
// taken seat, a block across two rows or sections, seats the fan already
// picked, the nearest-to-the-middle rule, the section filter, and quantities
// no row can take.

import assert from 'node:assert/strict';
import test from 'node:test';

import { SeatModel } from '../web/seat_model.js';

// Two sections facing a stage at (0, 0): "NEAR" rows at y = 10 and 11, "FAR" at
// y = 30. Seat x = number - 5, so a row's middle is at number 5.
function venue(overrides = {}) {
  const seats = [];
  const row = (section, rowName, y, numbers) => {
    for (const n of numbers) {
      const seatId = `${section}-${rowName}-${n}`;
      seats.push({ seatId, section, row: rowName, number: n, x: n - 5, y,
        status: overrides[seatId] || 'available' });
    }
  };
  row('NEAR', 'A', 10, [1, 2, 3, 4, 5, 6, 7, 8, 9]);
  row('NEAR', 'B', 11, [1, 2, 3, 4, 5, 6, 7, 8, 9]);
  row('FAR', 'A', 30, [1, 2, 3, 4, 5, 6, 7, 8, 9]);
  // Mirror image below the stage, so the venue's middle is the stage.
  row('BACK', 'A', -30, [1, 9]);
  return new SeatModel({
    eventId: '1', version: 1, status: 'on_sale',
    sections: [
      { section: 'NEAR', kind: 'assigned', price: 9000, available: 18, capacity: 18 },
      { section: 'FAR', kind: 'assigned', price: 3000, available: 9, capacity: 9 },
      { section: 'BACK', kind: 'assigned', price: 1000, available: 2, capacity: 2 },
    ],
    seats,
  });
}

const ids = (m, found) => found.map((i) => m.ids[i]);

test('the block nearest the middle, in one row, numbers consecutive', () => {
  const m = venue();
  assert.deepEqual(ids(m, m.bestAvailable(2)), ['NEAR-A-4', 'NEAR-A-5']);
  assert.deepEqual(ids(m, m.bestAvailable(3)), ['NEAR-A-4', 'NEAR-A-5', 'NEAR-A-6']);
  assert.deepEqual(ids(m, m.bestAvailable(1)), ['NEAR-A-5']);
});

test('held, sold and already picked seats break a block', () => {
  const m = venue({ 'NEAR-A-5': 'sold', 'NEAR-B-5': 'held' });
  // Row A is split at 5: 3-4 and 6-7 are equally near; the first in row order wins.
  assert.deepEqual(ids(m, m.bestAvailable(2)), ['NEAR-A-3', 'NEAR-A-4']);
  // The fan picked by hand: row A keeps 1-2 (and 8-9, as near),
  // which beat row B's 3-4 one row further back.
  m.select(m.indexOf('NEAR-A-3'));
  m.select(m.indexOf('NEAR-A-7'));
  assert.deepEqual(ids(m, m.bestAvailable(2)), ['NEAR-A-1', 'NEAR-A-2']);
  assert.deepEqual(ids(m, m.bestAvailable(4)), ['NEAR-B-1', 'NEAR-B-2', 'NEAR-B-3', 'NEAR-B-4']);
});

test('a gap in the numbering is not side by side', () => {
  const m = venue();
  // BACK-A has seats 1 and 9 only: never a pair, though both are free.
  assert.deepEqual(m.bestAvailable(2, 'BACK'), []);
  assert.deepEqual(ids(m, m.bestAvailable(1, 'BACK')).length, 1);
});

test('the section filter, and quantities no row can take', () => {
  const m = venue();
  assert.deepEqual(ids(m, m.bestAvailable(2, 'FAR')), ['FAR-A-4', 'FAR-A-5']);
  assert.deepEqual(m.bestAvailable(10), []); // rows have 9 seats
  assert.deepEqual(m.bestAvailable(0), []);
  assert.deepEqual(m.bestAvailable(2, 'NOWHERE'), []);
  const full = venue(Object.fromEntries(['1', '2', '3', '4', '5', '6', '7', '8', '9']
    .flatMap((n) => [[`NEAR-A-${n}`, 'sold'], [`NEAR-B-${n}`, 'sold']])));
  assert.deepEqual(full.bestAvailable(2, 'NEAR'), []);
  assert.deepEqual(ids(full, full.bestAvailable(2)), ['FAR-A-4', 'FAR-A-5']);
});

test('equally near: the cheaper section first', () => {
  // Two sections at the same distance from the middle, one cheaper.
  const seats = [];
  for (const [section, y] of [['GOLD', 10], ['SILVER', -10]])
    for (let n = 1; n <= 3; n++)
      seats.push({ seatId: `${section}-A-${n}`, section, row: 'A', number: n, x: n - 2, y, status: 'available' });
  const m = new SeatModel({ eventId: '1', version: 1, status: 'on_sale', seats, sections: [
    { section: 'GOLD', kind: 'assigned', price: 9000 },
    { section: 'SILVER', kind: 'assigned', price: 5000 },
  ] });
  assert.deepEqual(ids(m, m.bestAvailable(2)).map((id) => id.split('-')[0]), ['SILVER', 'SILVER']);
});
