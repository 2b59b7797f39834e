// A tiny Chrome DevTools Protocol driver for poking at the UI in headless Chromium
// without npm packages. Needs `node --experimental-websocket` on Node 20.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export async function launch({ width = 1400, height = 900, port = 9333 } = {}) {
  const proc = spawn('chromium', ['--headless', '--no-sandbox', '--disable-gpu', `--remote-debugging-port=${port}`,
    `--window-size=${width},${height}`, `--user-data-dir=${fs.mkdtempSync(path.join(os.tmpdir(), 'holdfast-chromium-'))}`, 'about:blank'],
  { stdio: ['ignore', 'ignore', 'pipe'] });
  let target;
  for (let i = 0; i < 50 && !target; i++) {
    await sleep(200);
    try {
      const list = await (await fetch(`http://127.0.0.1:${port}/json`)).json();
      target = list.find((t) => t.type === 'page');
    } catch { /* not up yet */ }
  }
  const ws = new WebSocket(target.webSocketDebuggerUrl);
  await new Promise((r) => ws.addEventListener('open', r));
  let id = 0;
  const waiting = new Map();
  const logs = [];
  const handlers = new Map(); // CDP event name -> fn(params), see page.on
  ws.addEventListener('message', (e) => {
    const msg = JSON.parse(e.data);
    if (msg.id && waiting.has(msg.id)) { waiting.get(msg.id)(msg); waiting.delete(msg.id); }
    if (msg.method && handlers.has(msg.method)) handlers.get(msg.method)(msg.params);
    if (msg.method === 'Runtime.consoleAPICalled') logs.push(msg.params.args.map((a) => a.value ?? a.description).join(' '));
    if (msg.method === 'Runtime.exceptionThrown') logs.push(`EXCEPTION ${JSON.stringify(msg.params.exceptionDetails).slice(0, 600)}`);
  });
  const send = (method, params = {}) => new Promise((resolve, reject) => {
    const n = ++id;
    waiting.set(n, (msg) => (msg.error ? reject(new Error(`${method}: ${msg.error.message}`)) : resolve(msg.result)));
    ws.send(JSON.stringify({ id: n, method, params }));
  });
  await send('Runtime.enable');
  await send('Page.enable');
  await send('Emulation.setDeviceMetricsOverride', { width, height, deviceScaleFactor: 1, mobile: false });
  const page = {
    logs,
    send,
    on(method, fn) { handlers.set(method, fn); },
    async goto(url) { await send('Page.navigate', { url }); await sleep(400); },
    async eval(expression) {
      const r = await send('Runtime.evaluate', { expression, awaitPromise: true, returnByValue: true });
      if (r.exceptionDetails) throw new Error(`eval ${expression}: ${r.exceptionDetails.exception?.description || r.exceptionDetails.text}`);
      return r.result.value;
    },
    async waitFor(expression, timeoutMs = 10000) {
      const end = Date.now() + timeoutMs;
      while (Date.now() < end) {
        try { if (await page.eval(expression)) return true; } catch { /* page still loading */ }
        await sleep(100);
      }
      throw new Error(`timed out waiting for ${expression}`);
    },
    async mouse(type, x, y, extra = {}) {
      await send('Input.dispatchMouseEvent', { type, x, y, button: 'left', clickCount: 1, ...extra });
    },
    async click(x, y) { await page.mouse('mouseMoved', x, y); await page.mouse('mousePressed', x, y); await page.mouse('mouseReleased', x, y); },
    async clickTestId(testid) {
      const box = await page.eval(`(() => { const r = document.querySelector('[data-testid="${testid}"]').getBoundingClientRect(); return {x: r.x + r.width / 2, y: r.y + r.height / 2}; })()`);
      await page.click(box.x, box.y);
    },
    async screenshot(path) {
      const r = await send('Page.captureScreenshot', { format: 'png' });
      fs.writeFileSync(path, Buffer.from(r.data, 'base64'));
    },
    async close() { ws.close(); proc.kill(); },
  };
  return page;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
