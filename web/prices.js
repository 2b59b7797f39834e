// Dynamic prices: which way each section's price last moved, for the arrows beside
// prices and the flash when one changes. Prices themselves live in the SeatModel's
// sections; this only remembers moves. No canvas here: a price change never redraws
// the seat map, it only touches a few DOM nodes.

const trendShowMs = 120000; // an arrow stays this long after a move
const flashMs = 1600;       // the highlight of a fresh change (matches .price-flash in style.css)

export class PriceTrends {
  constructor() {
    this.moves = new Map(); // section -> {dir: 'up'|'down', before, after, atMs}
  }

  // changes: [{section, before, after}] from SeatModel.applySections.
  note(changes) {
    const now = performance.now();
    for (const c of changes) {
      if (c.before === c.after) continue;
      this.moves.set(c.section, { dir: c.after > c.before ? 'up' : 'down', before: c.before, after: c.after, atMs: now });
    }
  }

  // The latest move of a section while it is recent, else null.
  trend(section) {
    const move = this.moves.get(section);
    if (!move) return null;
    if (performance.now() - move.atMs > trendShowMs) {
      this.moves.delete(section);
      return null;
    }
    return move;
  }

  fresh(section) {
    const move = this.trend(section);
    return !!move && performance.now() - move.atMs < flashMs;
  }
}

export function arrow(dir) {
  return dir === 'up' ? '▲' : dir === 'down' ? '▼' : '';
}

// Updates a price element in place: text, trend arrow, data-price/data-trend, and a
// one-shot flash when the price differs from what the element showed before.
export function showPrice(el, cents, move, format) {
  const shown = el.dataset.price;
  el.dataset.price = String(cents);
  el.dataset.trend = move ? move.dir : '';
  const text = format(cents);
  el.replaceChildren(text);
  if (move) {
    const tip = `${move.dir === 'up' ? 'Up' : 'Down'} from ${format(move.before)}`;
    el.append(Object.assign(document.createElement('span'), {
      className: `trend trend-${move.dir}`, textContent: arrow(move.dir), title: tip,
    }));
    el.title = tip;
  } else el.removeAttribute('title');
  if (shown !== undefined && shown !== String(cents)) {
    el.classList.remove('price-flash');
    void el.offsetWidth; // restart the animation
    el.classList.add('price-flash');
  }
}
