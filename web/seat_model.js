// The seat map as the UI holds it: 50,000 seats in typed arrays (ids, positions,
// statuses, the user's selection), sections with live counts and prices, and a
// uniform grid for hit-testing. No DOM here; seat_canvas.js draws it.

export const AVAILABLE = 0;
export const HELD = 1;
export const SOLD = 2;
export const statusNames = ['available', 'held', 'sold'];
const statusCodes = { available: AVAILABLE, held: HELD, sold: SOLD };

const gridCellsMax = 250000;

export function statusCode(name) {
  return name in statusCodes ? statusCodes[name] : SOLD; // unknown states are not sellable
}

export class SeatModel {
  constructor(seatmap) {
    const seats = seatmap.seats || [];
    const n = seats.length;
    this.eventId = seatmap.eventId;
    this.version = seatmap.version;
    this.status = seatmap.status;
    this.count = n;
    this.ids = new Array(n);
    this.byId = new Map();
    this.x = new Float32Array(n);
    this.y = new Float32Array(n);
    this.number = new Uint16Array(n);
    this.state = new Uint8Array(n);
    this.selected = new Uint8Array(n);
    this.section = new Uint16Array(n);
    this.selectedOrder = []; // seat indices, in the order the user picked them
    this.sections = (seatmap.sections || []).map((s) => ({
      ...s, seatCount: 0, cx: 0, cy: 0,
      minX: Infinity, minY: Infinity, maxX: -Infinity, maxY: -Infinity,
    }));
    this.sectionByName = new Map(this.sections.map((s, i) => [s.section, i]));
    this.bounds = { minX: Infinity, minY: Infinity, maxX: -Infinity, maxY: -Infinity };
    for (let i = 0; i < n; i++) this.loadSeat(i, seats[i]);
    for (const s of this.sections) {
      if (s.seatCount) { s.cx /= s.seatCount; s.cy /= s.seatCount; }
    }
    if (!n) this.bounds = { minX: -1, minY: -1, maxX: 1, maxY: 1 };
    this.rows = groupRows(seats, this.section);
    ({ size: this.size, median: this.sizeMedian } = seatSizes(this.rows, n, this.x, this.y));
    this.outlines = this.sections.map((_, k) => this.outline(k));
    this.buildGrid();
    this.floor = this.findFloor();
  }

  loadSeat(i, seat) {
    this.ids[i] = seat.seatId;
    this.byId.set(seat.seatId, i);
    const x = (this.x[i] = seat.x);
    const y = (this.y[i] = seat.y);
    this.number[i] = seat.number || 0;
    this.state[i] = statusCode(seat.status);
    let sec = this.sectionByName.get(seat.section);
    if (sec === undefined) { // a seat in a section the list forgot: keep it drawable
      sec = this.sections.length;
      this.sectionByName.set(seat.section, sec);
      this.sections.push({ section: seat.section, kind: 'assigned', price: 0, available: 0, capacity: 0,
        seatCount: 0, cx: 0, cy: 0, minX: Infinity, minY: Infinity, maxX: -Infinity, maxY: -Infinity });
    }
    this.section[i] = sec;
    const s = this.sections[sec];
    s.seatCount++; s.cx += x; s.cy += y;
    grow(s, x, y);
    grow(this.bounds, x, y);
  }

  indexOf(seatId) {
    const i = this.byId.get(seatId);
    return i === undefined ? -1 : i;
  }

  sectionOf(i) {
    return this.sections[this.section[i]];
  }

  // What the UI shows for a seat: 'selected' wins over its sale status.
  shownStatus(i) {
    return this.selected[i] ? 'selected' : statusNames[this.state[i]];
  }

  select(i) {
    if (this.selected[i]) return;
    this.selected[i] = 1;
    this.selectedOrder.push(i);
  }

  unselect(i) {
    if (!this.selected[i]) return;
    this.selected[i] = 0;
    this.selectedOrder = this.selectedOrder.filter((j) => j !== i);
  }

  clearSelection() {
    for (const i of this.selectedOrder) this.selected[i] = 0;
    this.selectedOrder = [];
  }

  // Applies section counts/prices from a delta; returns the price changes as
  // [{section, before, after}] (prices move with demand; counts move with every sale).
  applySections(list) {
    const moved = [];
    for (const update of list || []) {
      const i = this.sectionByName.get(update.section);
      if (i === undefined) continue;
      const s = this.sections[i];
      if (typeof update.available === 'number') s.available = update.available;
      if (typeof update.price === 'number' && update.price !== s.price) {
        moved.push({ section: s.section, before: s.price, after: update.price });
        s.price = update.price;
      }
    }
    return moved;
  }

  // Current price of a hold's contents: its seats, or quantity × the GA section's price.
  // null when something in it is unknown to this map.
  priceOf({ seats = [], section, quantity }) {
    if (seats.length) {
      let total = 0;
      for (const id of seats) {
        const i = this.indexOf(id);
        if (i < 0) return null;
        total += this.sectionOf(i).price;
      }
      return total;
    }
    const k = this.sectionByName.get(section);
    return k === undefined ? null : this.sections[k].price * (quantity || 1);
  }

  // Sections with nothing left to sell.
  soldOutSections() {
    return this.sections.filter((s) => s.available <= 0).map((s) => s.section);
  }

  // Nearest seat to world point (wx, wy) within maxDist world units, or -1.
  nearest(wx, wy, maxDist) {
    const g = this.grid;
    const reach = Math.ceil(maxDist / g.cell);
    const cx = Math.floor((wx - g.x0) / g.cell);
    const cy = Math.floor((wy - g.y0) / g.cell);
    let best = -1;
    let bestD = maxDist * maxDist;
    for (let gy = Math.max(0, cy - reach); gy <= Math.min(g.rows - 1, cy + reach); gy++) {
      for (let gx = Math.max(0, cx - reach); gx <= Math.min(g.cols - 1, cx + reach); gx++) {
        const c = gy * g.cols + gx;
        for (let k = g.start[c]; k < g.start[c + 1]; k++) {
          const i = g.items[k];
          const dx = this.x[i] - wx, dy = this.y[i] - wy;
          const d = dx * dx + dy * dy;
          if (d <= bestD) { bestD = d; best = i; }
        }
      }
    }
    return best;
  }

  // A counting-sort grid: items of cell c are items[start[c] .. start[c+1]).
  buildGrid() {
    const b = this.bounds;
    const w = Math.max(b.maxX - b.minX, 1), hgt = Math.max(b.maxY - b.minY, 1);
    let cell = Math.max(Math.hypot(w, hgt) / 400, 1e-6);
    while ((w / cell + 1) * (hgt / cell + 1) > gridCellsMax) cell *= 1.5;
    const cols = Math.floor(w / cell) + 1, rows = Math.floor(hgt / cell) + 1;
    const start = new Int32Array(cols * rows + 1);
    const cellOf = new Int32Array(this.count);
    for (let i = 0; i < this.count; i++) {
      const c = Math.floor((this.y[i] - b.minY) / cell) * cols + Math.floor((this.x[i] - b.minX) / cell);
      cellOf[i] = c;
      start[c + 1]++;
    }
    for (let c = 0; c < cols * rows; c++) start[c + 1] += start[c];
    const fill = start.slice(0, cols * rows);
    const items = new Int32Array(this.count);
    for (let i = 0; i < this.count; i++) items[fill[cellOf[i]]++] = i;
    this.grid = { x0: b.minX, y0: b.minY, cell, cols, rows, start, items };
  }

  // Section k's outline as [x0, y0, x1, y1, ...] around its seat centres: the front row
  // seat by seat, the far ends of the rows between, the back row backwards, the near
  // ends back to the front; rows in the order the seat map lists them. null without seats.
  outline(k) {
    const rows = this.rows.filter((r) => r.section === k);
    if (!rows.length) return null;
    const path = [];
    const add = (i) => path.push(this.x[i], this.y[i]);
    const first = rows[0].seats, last = rows[rows.length - 1].seats;
    first.forEach(add);
    for (let r = 1; r < rows.length - 1; r++) add(rows[r].seats[rows[r].seats.length - 1]);
    if (rows.length > 1) for (let j = last.length - 1; j >= 0; j--) add(last[j]);
    for (let r = rows.length - 2; r >= 1; r--) add(rows[r].seats[0]);
    return Float32Array.from(path);
  }

  // The empty middle of a bowl, if any: the largest ellipse (with the map's aspect)
  // around the map centre that holds no seat. GA areas are drawn there.
  findFloor() {
    const b = this.bounds;
    const cx = (b.minX + b.maxX) / 2, cy = (b.minY + b.maxY) / 2;
    const hw = Math.max((b.maxX - b.minX) / 2, 1e-6), hh = Math.max((b.maxY - b.minY) / 2, 1e-6);
    let k = 1;
    for (let i = 0; i < this.count; i++) {
      const d = Math.hypot((this.x[i] - cx) / hw, (this.y[i] - cy) / hh);
      if (d < k) k = d;
    }
    return k > 0.15 ? { cx, cy, rx: hw * k * 0.8, ry: hh * k * 0.8 } : null;
  }
}

function grow(box, x, y) {
  if (x < box.minX) box.minX = x;
  if (x > box.maxX) box.maxX = x;
  if (y < box.minY) box.minY = y;
  if (y > box.maxY) box.maxY = y;
}

// The rows of the map in the order it lists them: {section (index), label, seats (indices
// by seat number)}.
function groupRows(seats, sectionOf) {
  const rows = new Map();
  seats.forEach((s, i) => {
    const key = `${s.section}\u0000${s.row}`;
    if (!rows.has(key)) rows.set(key, { section: sectionOf[i], label: String(s.row ?? ''), seats: [] });
    rows.get(key).seats.push(i);
  });
  const list = [...rows.values()];
  for (const row of list) row.seats.sort((a, b) => seats[a].number - seats[b].number);
  return list;
}

// How big to draw each seat: the distance to its nearest neighbour in the same row,
// so seats never overlap however dense the venue. Rows of one seat get the median.
function seatSizes(rows, n, xs, ys) {
  const size = new Float32Array(n).fill(Infinity);
  const gaps = [];
  for (const { seats: row } of rows) {
    for (let k = 1; k < row.length; k++) {
      const a = row[k - 1], b = row[k];
      const gap = Math.hypot(xs[a] - xs[b], ys[a] - ys[b]);
      if (!(gap > 0)) continue;
      gaps.push(gap);
      size[a] = Math.min(size[a], gap);
      size[b] = Math.min(size[b], gap);
    }
  }
  gaps.sort((a, b) => a - b);
  const median = gaps.length ? gaps[gaps.length >> 1] : 1;
  for (let i = 0; i < size.length; i++) size[i] = Math.min(size[i] === Infinity ? median : size[i], median * 2.5);
  return { size, median };
}
