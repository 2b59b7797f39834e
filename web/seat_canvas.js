// Draws a SeatModel on one Canvas 2D and turns pointer input into pan, zoom, hover
// and seat clicks. Every change asks for one redraw on the next animation frame;
// a redraw makes one path per seat status, skipping seats outside the view.

import { AVAILABLE, HELD, SOLD } from './seat_model.js';

export const seatColors = {
  available: '#14b8a6', held: '#f2b441', sold: '#cfd6e1', selected: '#4f46e5', conflict: '#e11d48',
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
    this.drawFloor();
    if (!asPixels) for (const state of [AVAILABLE, HELD, SOLD]) this.drawSeats(state);
    this.drawMarks();
    this.drawLabels();
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
  drawMarks() {
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
    this.drawSeatNumbers();
  }

  seatPath(i, pxMin, grow) {
    const m = this.model;
    const d = Math.max(pxMin, m.size[i] * this.scale * grow);
    const sx = m.x[i] * this.scale + this.ox, sy = m.y[i] * this.scale + this.oy;
    this.ctx.beginPath();
    this.ctx.rect(sx - d / 2, sy - d / 2, d, d);
  }

  // Seat numbers once seats are big enough to read them.
  drawSeatNumbers() {
    const { ctx, model, scale, ox, oy } = this;
    const d = model.sizeMedian * scale * 0.82;
    if (d < 18) return;
    ctx.font = `600 ${Math.min(d * 0.42, 14)}px ${fontStack}`;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    for (let i = 0; i < model.count; i++) {
      const sx = model.x[i] * scale + ox, sy = model.y[i] * scale + oy;
      if (sx < 0 || sy < 0 || sx > this.cssW || sy > this.cssH) continue;
      ctx.fillStyle = model.selected[i] || model.state[i] === AVAILABLE ? '#ffffff' : '#64748b';
      ctx.fillText(String(model.number[i]), sx, sy + 0.5);
    }
  }

  drawFloor() {
    const { ctx, model } = this;
    const f = model.floor;
    const ga = model.sections.filter((s) => s.kind === 'ga');
    if (!f || !ga.length) return;
    const cx = f.cx * this.scale + this.ox, cy = f.cy * this.scale + this.oy;
    ctx.beginPath();
    ctx.ellipse(cx, cy, f.rx * this.scale, f.ry * this.scale, 0, 0, Math.PI * 2);
    ctx.fillStyle = '#eef2ff';
    ctx.fill();
    ctx.lineWidth = 1;
    ctx.strokeStyle = '#c7d2fe';
    ctx.stroke();
    ctx.fillStyle = '#4338ca';
    ctx.font = `600 13px ${fontStack}`;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    const names = ga.map((s) => s.section).join(' · ');
    const long = `${names} — general admission`;
    const label = ctx.measureText(long).width < f.rx * this.scale * 1.8 ? long : names;
    if (ctx.measureText(label).width < f.rx * this.scale * 2) ctx.fillText(label, cx, cy);
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
