// Draws a SeatModel on one Canvas 2D and turns pointer input into pan, zoom, hover
// and seat clicks. Every change asks for one redraw on the next animation frame;
// a redraw makes one path per seat status, skipping seats outside the view.

import { AVAILABLE, HELD, SOLD } from './seat_model.js';

// Told apart by lightness as well as hue, so the four read for colour-blind fans too
// (Okabe–Ito-like): available a mid teal, held a light orange, sold a dark slate that
// stands out on the near-white map at any zoom, the fan's picks indigo with a white edge.
export const seatColors = {
  available: '#0fa596', held: '#f0a202', sold: '#475569', selected: '#4f46e5', conflict: '#e11d48',
};
const fillByState = [seatColors.available, seatColors.held, seatColors.sold];
const pixelByState = fillByState.map(rgbaWord);

const seatPxMin = 1.6;           // seats never vanish when zoomed out
const selectedPxMin = 7;         // the user's picks stay visible at any zoom
const dragPxMin = 5;             // below this a press is a click, not a pan
const hoverPxMax = 10;           // how far from a seat the pointer may be and still hit it
const zoomMin = 0.6, zoomMax = 60; // relative to the scale that fits the whole map
// Below this size (device pixels) seats are written straight into an ImageData:
// 50,000 tiny squares cost ~90 ms as one path in software raster, a few ms as pixels.
const pixelSeatPxMax = 7;
const rowLabelSeatPxMin = 9;     // row letters once seats are this big (CSS pixels)
const markerMarginPx = 26;       // the off-screen floor/stage marker keeps this far from the edge

export class SeatCanvas {
  // hooks: onSeatClick(i), describe(i) -> {title, detail}
  constructor(canvas, tooltip, hooks) {
    this.canvas = canvas;
    this.ctx = canvas.getContext('2d');
    this.tooltip = tooltip;
    this.hooks = hooks;
    this.model = null;
    this.conflicts = new Set();
    this.hover = -1;
    this.scale = 1; this.ox = 0; this.oy = 0; this.fitScale = 1;
    this.cssW = 0; this.cssH = 0;
    this.pointers = new Map();
    this.press = null;
    this.frame = 0;
    this.lastDrawMs = 0;
    this.drawCount = 0;
    this.bind();
    this.resizer = new ResizeObserver(() => this.resize());
    this.resizer.observe(canvas.parentElement);
  }

  destroy() {
    this.resizer.disconnect();
    cancelAnimationFrame(this.frame);
  }

  setModel(model) {
    const first = !this.model;
    this.model = model;
    this.hover = -1;
    this.hideTooltip();
    if (first) this.fit();
    this.redraw();
  }

  resize() {
    const box = this.canvas.parentElement.getBoundingClientRect();
    if (!box.width || !box.height) return;
    const dpr = window.devicePixelRatio || 1;
    const hadSize = this.cssW > 0;
    const centre = hadSize ? this.toWorld(this.cssW / 2, this.cssH / 2) : null;
    this.cssW = box.width; this.cssH = box.height;
    this.canvas.width = Math.round(box.width * dpr);
    this.canvas.height = Math.round(box.height * dpr);
    if (!hadSize || !centre) this.fit();
    else { // keep what the user was looking at in the middle
      this.ox = this.cssW / 2 - centre.x * this.scale;
      this.oy = this.cssH / 2 - centre.y * this.scale;
      this.fitScale = this.scaleToFit(this.model ? this.model.bounds : null);
    }
    this.redraw();
  }

  scaleToFit(box, padPx = 28) {
    if (!box || !this.cssW) return 1;
    const w = Math.max(box.maxX - box.minX, 1e-6), hgt = Math.max(box.maxY - box.minY, 1e-6);
    return Math.min((this.cssW - 2 * padPx) / w, (this.cssH - 2 * padPx) / hgt);
  }

  fit() {
    if (!this.model || !this.cssW) return;
    this.fitScale = this.scaleToFit(this.model.bounds);
    this.showBox(this.model.bounds, this.fitScale);
  }

  showBox(box, scale) {
    this.scale = scale;
    this.ox = this.cssW / 2 - ((box.minX + box.maxX) / 2) * scale;
    this.oy = this.cssH / 2 - ((box.minY + box.maxY) / 2) * scale;
    this.redraw();
  }

  focusSection(name) {
    const i = this.model && this.model.sectionByName.get(name);
    const s = i === undefined || i === null ? null : this.model.sections[i];
    if (!s || !s.seatCount) return;
    const scale = Math.min(this.scaleToFit(s, 60), this.fitScale * zoomMax);
    this.showBox(s, Math.max(scale, this.fitScale));
  }

  // Centres seat i, zooming in until seats are comfortably clickable.
  focusSeat(i) {
    if (!this.model || i < 0) return;
    this.scale = Math.max(this.scale, Math.min(12 / this.model.size[i], this.fitScale * zoomMax));
    this.ox = this.cssW / 2 - this.model.x[i] * this.scale;
    this.oy = this.cssH / 2 - this.model.y[i] * this.scale;
    this.redraw();
  }

  zoomAt(factor, sx, sy) {
    const next = Math.min(Math.max(this.scale * factor, this.fitScale * zoomMin), this.fitScale * zoomMax);
    const world = this.toWorld(sx, sy);
    this.scale = next;
    this.ox = sx - world.x * next;
    this.oy = sy - world.y * next;
    this.redraw();
  }

  zoomCentre(factor) {
    this.zoomAt(factor, this.cssW / 2, this.cssH / 2);
  }

  panBy(dx, dy) {
    this.ox += dx; this.oy += dy;
    this.redraw();
  }

  toWorld(sx, sy) {
    return { x: (sx - this.ox) / this.scale, y: (sy - this.oy) / this.scale };
  }

  // Where seat i is on the page, in client pixels (for tests that click for real).
  clientPosition(i) {
    const r = this.canvas.getBoundingClientRect();
    return { x: r.left + this.model.x[i] * this.scale + this.ox, y: r.top + this.model.y[i] * this.scale + this.oy };
  }

  seatAt(sx, sy) {
    if (!this.model) return -1;
    const w = this.toWorld(sx, sy);
    return this.model.nearest(w.x, w.y, hoverPxMax / this.scale);
  }

  redraw() {
    if (!this.frame) this.frame = requestAnimationFrame(() => this.draw());
  }

  // --- input ------------------------------------------------------------------
  bind() {
    const c = this.canvas;
    c.addEventListener('wheel', (e) => {
      e.preventDefault();
      const p = this.local(e);
      const delta = e.deltaMode === 1 ? e.deltaY * 16 : e.deltaY;
      this.zoomAt(Math.exp(-delta * 0.0018), p.x, p.y);
    }, { passive: false });
    c.addEventListener('pointerdown', (e) => this.onDown(e));
    c.addEventListener('pointermove', (e) => this.onMove(e));
    c.addEventListener('pointerup', (e) => this.onUp(e));
    c.addEventListener('pointercancel', (e) => { this.pointers.delete(e.pointerId); this.press = null; });
    c.addEventListener('pointerleave', () => { if (!this.press) this.setHover(-1); });
    c.addEventListener('keydown', (e) => this.onKey(e));
  }

  local(e) {
    const r = this.canvas.getBoundingClientRect();
    return { x: e.clientX - r.left, y: e.clientY - r.top };
  }

  onDown(e) {
    if (e.button !== 0) return;
    this.canvas.setPointerCapture(e.pointerId);
    this.pointers.set(e.pointerId, this.local(e));
    const p = this.local(e);
    this.press = this.pointers.size === 1 ? { x: p.x, y: p.y, dragging: false } : { dragging: true };
  }

  onMove(e) {
    const p = this.local(e);
    const prev = this.pointers.get(e.pointerId);
    if (!prev || !this.press) {
      this.setHover(this.seatAt(p.x, p.y));
      return;
    }
    if (this.pointers.size === 2) { // pinch: zoom by the change in finger distance
      const [a, b] = [...this.pointers.values()];
      const other = a === prev ? b : a;
      const before = Math.hypot(prev.x - other.x, prev.y - other.y);
      const after = Math.hypot(p.x - other.x, p.y - other.y);
      if (before > 0) this.zoomAt(after / before, (p.x + other.x) / 2, (p.y + other.y) / 2);
    } else {
      if (!this.press.dragging && Math.hypot(p.x - this.press.x, p.y - this.press.y) >= dragPxMin) {
        this.press.dragging = true;
        this.canvas.classList.add('dragging');
        this.setHover(-1);
      }
      if (this.press.dragging) this.panBy(p.x - prev.x, p.y - prev.y);
    }
    this.pointers.set(e.pointerId, p);
  }

  onUp(e) {
    const press = this.press;
    this.pointers.delete(e.pointerId);
    if (this.pointers.size > 0) return;
    this.press = null;
    this.canvas.classList.remove('dragging');
    if (!press || press.dragging) return;
    const p = this.local(e);
    const i = this.seatAt(p.x, p.y);
    if (i >= 0) this.hooks.onSeatClick(i);
    this.setHover(i);
  }

  onKey(e) {
    const step = 60;
    const actions = {
      '+': () => this.zoomCentre(1.4), '=': () => this.zoomCentre(1.4), '-': () => this.zoomCentre(1 / 1.4),
      '0': () => this.fit(), ArrowLeft: () => this.panBy(step, 0), ArrowRight: () => this.panBy(-step, 0),
      ArrowUp: () => this.panBy(0, step), ArrowDown: () => this.panBy(0, -step),
    };
    if (!actions[e.key]) return;
    e.preventDefault();
    actions[e.key]();
  }

  setHover(i) {
    if (i === this.hover) return;
    this.hover = i;
    this.redraw();
    if (i < 0) this.hideTooltip();
    else this.placeTooltip(i);
  }

  placeTooltip(i) {
    const { title, detail } = this.hooks.describe(i);
    this.tooltip.replaceChildren(title);
    if (detail) {
      const small = document.createElement('span');
      small.className = 'seat-tooltip-detail';
      small.textContent = detail;
      this.tooltip.append(small);
    }
    this.tooltip.hidden = false;
    const sx = this.model.x[i] * this.scale + this.ox, sy = this.model.y[i] * this.scale + this.oy;
    const w = this.tooltip.offsetWidth;
    const left = Math.min(Math.max(sx - w / 2, 4), this.cssW - w - 4);
    const above = sy - this.tooltip.offsetHeight - 12;
    this.tooltip.style.transform = `translate(${left}px, ${above < 4 ? sy + 14 : above}px)`;
  }

  // Rewrites the tooltip (a price changed) without redrawing any seat.
  refreshTooltip() {
    if (this.model && this.hover >= 0 && !this.tooltip.hidden) this.placeTooltip(this.hover);
  }

  hideTooltip() {
    this.tooltip.hidden = true;
  }

  // --- drawing ----------------------------------------------------------------
  draw() {
    this.frame = 0;
    const started = performance.now();
    const ctx = this.ctx;
    const dpr = this.canvas.width / Math.max(this.cssW, 1);
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
    if (!this.model) return;
    const asPixels = this.model.sizeMedian * this.scale * 0.82 * dpr < pixelSeatPxMax;
    if (asPixels) this.drawSeatPixels(dpr); // first: putImageData ignores what is beneath
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    if (!asPixels) this.drawOutlines(); // beneath the seats; zoomed out, section names suffice
    this.drawFloor();
    if (!asPixels) for (const state of [AVAILABLE, HELD, SOLD]) this.drawSeats(state);
    const rowLabels = asPixels ? [] : this.rowLabelPlaces();
    this.drawMarks(rowLabels);
    this.drawRowLabels(rowLabels);
    this.drawLabels();
    this.drawFloorMarker();
    if (this.hover >= 0 && !this.tooltip.hidden) this.placeTooltip(this.hover);
    this.lastDrawMs = performance.now() - started;
    this.drawCount += 1;
  }

  drawSeats(state) {
    const { ctx, model, scale, ox, oy } = this;
    const { x, y, size, state: st, selected } = model;
    const w = this.cssW, hgt = this.cssH, k = scale * 0.82;
    const rounded = model.sizeMedian * k > 12 && ctx.roundRect;
    ctx.beginPath();
    for (let i = 0; i < model.count; i++) {
      if (st[i] !== state || selected[i]) continue;
      const sx = x[i] * scale + ox, sy = y[i] * scale + oy;
      let d = size[i] * k;
      if (d < seatPxMin) d = seatPxMin;
      if (sx < -d || sy < -d || sx > w + d || sy > hgt + d) continue;
      if (rounded) ctx.roundRect(sx - d / 2, sy - d / 2, d, d, d * 0.25);
      else ctx.rect(sx - d / 2, sy - d / 2, d, d);
    }
    ctx.fillStyle = fillByState[state];
    ctx.fill();
  }

  drawSeatPixels(dpr) {
    const W = this.canvas.width, H = this.canvas.height;
    if (!this.image || this.image.width !== W || this.image.height !== H) {
      this.image = this.ctx.createImageData(W, H);
      this.pixels = new Uint32Array(this.image.data.buffer);
    } else this.pixels.fill(0);
    const px = this.pixels, m = this.model;
    const { x, y, size, state, selected } = m;
    const s = this.scale * dpr, ox = this.ox * dpr, oy = this.oy * dpr, k = s * 0.82, dMin = seatPxMin * dpr;
    for (let i = 0; i < m.count; i++) {
      if (selected[i]) continue;
      let d = size[i] * k;
      if (d < dMin) d = dMin;
      const x0 = Math.round(x[i] * s + ox - d / 2), y0 = Math.round(y[i] * s + oy - d / 2);
      const side = Math.round(d) || 1;
      const xa = Math.max(0, x0), xb = Math.min(W, x0 + side), ya = Math.max(0, y0), yb = Math.min(H, y0 + side);
      if (xa >= xb || ya >= yb) continue;
      const c = pixelByState[state[i]];
      for (let row = ya; row < yb; row++) {
        const base = row * W;
        for (let col = xa; col < xb; col++) px[base + col] = c;
      }
    }
    this.ctx.putImageData(this.image, 0, 0);
  }

  // The user's picks, seats a hold was refused for, and the hovered seat.
  drawMarks(rowLabels) {
    const { ctx, model } = this;
    for (const i of model.selectedOrder) {
      this.seatPath(i, selectedPxMin, 0.95);
      ctx.fillStyle = seatColors.selected;
      ctx.fill();
      ctx.lineWidth = 1.5;
      ctx.strokeStyle = '#ffffff';
      ctx.stroke();
    }
    ctx.lineWidth = 2.5;
    ctx.strokeStyle = seatColors.conflict;
    for (const i of this.conflicts) {
      this.seatPath(i, selectedPxMin + 6, 1.4);
      ctx.stroke();
    }
    if (this.hover >= 0) {
      this.seatPath(this.hover, selectedPxMin + 3, 1.25);
      ctx.lineWidth = 2;
      ctx.strokeStyle = '#0f172a';
      ctx.stroke();
    }
    this.drawSeatNumbers(new Set(rowLabels.filter((r) => r.onSeat).map((r) => r.seat)));
  }

  seatPath(i, pxMin, grow) {
    const m = this.model;
    const d = Math.max(pxMin, m.size[i] * this.scale * grow);
    const sx = m.x[i] * this.scale + this.ox, sy = m.y[i] * this.scale + this.oy;
    this.ctx.beginPath();
    this.ctx.rect(sx - d / 2, sy - d / 2, d, d);
  }

  // Seat numbers once seats are big enough to read them (not on seats wearing their row's letter).
  drawSeatNumbers(skip) {
    const { ctx, model, scale, ox, oy } = this;
    const d = model.sizeMedian * scale * 0.82;
    if (d < 18) return;
    ctx.font = `600 ${Math.min(d * 0.42, 14)}px ${fontStack}`;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    for (let i = 0; i < model.count; i++) {
      const sx = model.x[i] * scale + ox, sy = model.y[i] * scale + oy;
      if (sx < 0 || sy < 0 || sx > this.cssW || sy > this.cssH || skip.has(i)) continue;
      ctx.fillStyle = model.selected[i] || model.state[i] !== HELD ? '#ffffff' : '#1e293b';
      ctx.fillText(String(model.number[i]), sx, sy + 0.5);
    }
  }

  // What the middle of the venue is: its GA areas ("FLOOR"), else the stage.
  floorLabel() {
    const ga = this.model.sections.filter((s) => s.kind === 'ga');
    return ga.length ? { short: ga.map((s) => s.section).join(' · '), long: 'general admission' } : { short: 'STAGE', long: '' };
  }

  drawFloor() {
    const { ctx, model } = this;
    const f = model.floor;
    if (!f) return;
    const cx = f.cx * this.scale + this.ox, cy = f.cy * this.scale + this.oy;
    ctx.beginPath();
    ctx.ellipse(cx, cy, f.rx * this.scale, f.ry * this.scale, 0, 0, Math.PI * 2);
    ctx.fillStyle = '#eef2ff';
    ctx.fill();
    ctx.lineWidth = 1.5;
    ctx.strokeStyle = '#a5b4fc';
    ctx.stroke();
    ctx.fillStyle = '#4338ca';
    ctx.font = `700 13px ${fontStack}`;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    const { short, long } = this.floorLabel();
    const full = long ? `${short} — ${long}` : short;
    const label = ctx.measureText(full).width < f.rx * this.scale * 1.8 ? full : short;
    if (ctx.measureText(label).width < f.rx * this.scale * 2) ctx.fillText(label, cx, cy);
  }

  // Zoomed in, the floor (or stage) is usually off screen: an arrow at the edge of the
  // view points to it, so a fan always knows which way the seats face.
  drawFloorMarker() {
    const { ctx, model } = this;
    const f = model.floor;
    if (!f) return;
    const W = this.cssW, H = this.cssH, m = markerMarginPx;
    const tx = f.cx * this.scale + this.ox, ty = f.cy * this.scale + this.oy;
    const rx = f.rx * this.scale, ry = f.ry * this.scale;
    if (tx + rx > 0 && tx - rx < W && ty + ry > 0 && ty - ry < H) return; // some of it is in view
    const dx = tx - W / 2, dy = ty - H / 2;
    const k = Math.min((W / 2 - m) / Math.max(Math.abs(dx), 1e-9), (H / 2 - m) / Math.max(Math.abs(dy), 1e-9));
    const px = W / 2 + dx * k, py = H / 2 + dy * k, angle = Math.atan2(dy, dx);
    ctx.save();
    ctx.translate(px, py);
    ctx.rotate(angle);
    ctx.beginPath();
    ctx.moveTo(12, 0); ctx.lineTo(-7, -9); ctx.lineTo(-3, 0); ctx.lineTo(-7, 9); ctx.closePath();
    ctx.fillStyle = '#4338ca';
    ctx.fill();
    ctx.restore();
    const label = this.floorLabel().short;
    ctx.font = `700 12px ${fontStack}`;
    const w = ctx.measureText(label).width;
    // The label sits just inside the arrow, kept within the canvas.
    const lx = Math.min(Math.max(px - Math.cos(angle) * (w / 2 + 18), w / 2 + 4), W - w / 2 - 4);
    const ly = Math.min(Math.max(py - Math.sin(angle) * 18, 10), H - 10);
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    ctx.lineJoin = 'round';
    ctx.lineWidth = 4;
    ctx.strokeStyle = 'rgba(255,255,255,0.95)';
    ctx.strokeText(label, lx, ly);
    ctx.fillStyle = '#4338ca';
    ctx.fillText(label, lx, ly);
  }

  // Each section's outline, a seat's half-width outside its outer seats: a thick stroke
  // of the outline polygon (its width is the padding) over a thin darker one.
  drawOutlines() {
    const { ctx, model, scale, ox, oy } = this;
    const pad = model.sizeMedian * scale * 0.95;
    ctx.lineJoin = 'round';
    ctx.lineCap = 'round';
    for (let k = 0; k < model.sections.length; k++) {
      const poly = model.outlines[k], s = model.sections[k];
      if (!poly) continue;
      const x0 = s.minX * scale + ox - pad, y0 = s.minY * scale + oy - pad;
      const x1 = s.maxX * scale + ox + pad, y1 = s.maxY * scale + oy + pad;
      if (x1 < 0 || y1 < 0 || x0 > this.cssW || y0 > this.cssH) continue;
      ctx.beginPath();
      ctx.moveTo(poly[0] * scale + ox, poly[1] * scale + oy);
      for (let j = 2; j < poly.length; j += 2) ctx.lineTo(poly[j] * scale + ox, poly[j + 1] * scale + oy);
      ctx.closePath();
      ctx.lineWidth = pad + 3;
      ctx.strokeStyle = '#94a3b8';
      ctx.stroke();
      ctx.lineWidth = pad;
      ctx.strokeStyle = '#f1f5f9';
      ctx.stroke();
      ctx.fillStyle = '#f1f5f9';
      ctx.fill();
    }
  }

  // Where row letters go, once seats are big enough to aim at: at each row's two ends,
  // beside the end seat when that spot is free (an aisle, the edge of the venue), else on
  // the seat itself (sections that run on into the next leave no room beside them).
  // [{label, x, y, seat, onSeat}] in CSS pixels.
  rowLabelPlaces() {
    const { model, scale, ox, oy } = this;
    const d = model.sizeMedian * scale;
    const places = [];
    if (d < rowLabelSeatPxMin) return places;
    const W = this.cssW, H = this.cssH;
    for (const row of model.rows) {
      const seats = row.seats;
      if (!row.label) continue;
      const ends = seats.length === 1 ? [[seats[0], undefined]]
        : [[seats[0], seats[1]], [seats[seats.length - 1], seats[seats.length - 2]]];
      for (const [end, next] of ends) {
        const ex = model.x[end] * scale + ox, ey = model.y[end] * scale + oy;
        if (ex < -d || ey < -d || ex > W + d || ey > H + d) continue;
        let ux = -1, uy = 0; // outwards along the row; a one-seat row puts it on the left
        if (next !== undefined) {
          const len = Math.hypot(model.x[end] - model.x[next], model.y[end] - model.y[next]) || 1;
          ux = (model.x[end] - model.x[next]) / len; uy = (model.y[end] - model.y[next]) / len;
        }
        const step = model.size[end] * 1.15;
        const wx = model.x[end] + ux * step, wy = model.y[end] + uy * step;
        if (model.nearest(wx, wy, model.size[end] * 0.6) < 0)
          places.push({ label: row.label, x: wx * scale + ox, y: wy * scale + oy, seat: end, onSeat: false });
        else places.push({ label: row.label, x: ex, y: ey, seat: end, onSeat: true });
      }
    }
    return places;
  }

  // Beside a seat: the letter; on a seat: the letter on a dark disc, the seat's status
  // colour still showing around it.
  drawRowLabels(places) {
    if (!places.length) return;
    const { ctx, model, scale } = this;
    const d = model.sizeMedian * scale * 0.82;
    const px = Math.round(Math.min(Math.max(d * 0.5, 8), 13));
    ctx.font = `800 ${px}px ${fontStack}`;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    for (const p of places) {
      if (p.onSeat) {
        ctx.beginPath();
        ctx.arc(p.x, p.y, Math.max(d * 0.34, px * 0.62), 0, Math.PI * 2);
        ctx.fillStyle = 'rgba(15, 23, 42, 0.88)';
        ctx.fill();
        ctx.fillStyle = '#ffffff';
      } else ctx.fillStyle = '#334155';
      ctx.fillText(p.label, p.x, p.y + 0.5);
    }
  }

  drawLabels() {
    const { ctx, model, scale, ox, oy } = this;
    const px = Math.round(Math.min(Math.max(11 * Math.sqrt(scale / this.fitScale), 11), 20));
    ctx.font = `700 ${px}px ${fontStack}`;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    ctx.lineJoin = 'round';
    ctx.lineWidth = 3.5;
    ctx.strokeStyle = 'rgba(255,255,255,0.92)';
    ctx.fillStyle = '#1e293b';
    const placed = []; // labels that would overlap one already drawn are skipped
    for (const s of model.sections) {
      if (!s.seatCount) continue;
      const sx = s.cx * scale + ox, sy = s.cy * scale + oy;
      if (sx < -40 || sy < -20 || sx > this.cssW + 40 || sy > this.cssH + 20) continue;
      const w = ctx.measureText(s.section).width + 6, hgt = px + 4;
      if (placed.some((b) => Math.abs(b.x - sx) < (b.w + w) / 2 && Math.abs(b.y - sy) < hgt)) continue;
      placed.push({ x: sx, y: sy, w });
      ctx.strokeText(s.section, sx, sy);
      ctx.fillText(s.section, sx, sy);
    }
  }
}

const fontStack = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif';

// '#14b8a6' -> the 32-bit RGBA word ImageData stores (little-endian: ABGR).
function rgbaWord(hex) {
  const n = parseInt(hex.slice(1), 16);
  return ((0xff << 24) | ((n & 0xff) << 16) | (n & 0xff00) | (n >> 16)) >>> 0;
}
