// web/pow.js under Node 20 (WebCrypto at globalThis.crypto): run with
//   node --test tests/pow_js_test.mjs
// What this tries to break: the bit counting at byte edges, agreement with the
// C++ verifier on a challenge net/proof_of_work.cpp issued (the same nonce is
// pinned in tests/proof_of_work_test.cpp), the off switch, abort, and that a
// long search lets timers run.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import test from 'node:test';

import { leadingZeroBits, solve } from '../web/pow.js';

// issue(event 7, t0 = 1700000000000, nonce bytes 0..15) with the test secret of
// tests/proof_of_work_test.cpp, at difficulty 12 and 16.
const challenge12 = 'cG93MXw3fDE3MDAwMDAwMDAwMDB8MTJ8MDAwMTAyMDMwNDA1MDYwNzA4MDkwYTBiMGMwZDBlMGY'
  + '.oopscxD6uoY3otTOoHgjsrlsy_UCTRms83GSE-AUMzc';
const challenge16 = 'cG93MXw3fDE3MDAwMDAwMDAwMDB8MTZ8MDAwMTAyMDMwNDA1MDYwNzA4MDkwYTBiMGMwZDBlMGY'
  + '.R6obira5bvPSHQ2UcY8oEkBHFIOfU_uAK2GiMdsrEm0';

const zeroBits = (challenge, nonce) =>
  leadingZeroBits(createHash('sha256').update(`${challenge}:${nonce}`).digest());

test('leadingZeroBits counts across byte edges', () => {
  assert.equal(leadingZeroBits(new Uint8Array([0x80, 0])), 0);
  assert.equal(leadingZeroBits(new Uint8Array([0x01, 0xff])), 7);
  assert.equal(leadingZeroBits(new Uint8Array([0, 0x40])), 9);
  assert.equal(leadingZeroBits(new Uint8Array([0, 0, 0xff])), 16);
  assert.equal(leadingZeroBits(new Uint8Array(32)), 256);
});

test('the nonce for a C++-issued challenge is the one C++ expects', async () => {
  const nonce = await solve(challenge12, 12);
  assert.equal(nonce, '43b'); // pinned in tests/proof_of_work_test.cpp
  assert.ok(zeroBits(challenge12, nonce) >= 12);
  assert.ok(zeroBits(challenge12, (parseInt(nonce, 36) - 1).toString(36)) < 12);
});

test('a long search lets timers run and reports progress', async () => {
  let timerRan = false;
  setTimeout(() => { timerRan = true; }, 0);
  let progress = 0;
  const nonce = await solve(challenge16, 16, { onProgress: (n) => { progress = n; } });
  assert.ok(zeroBits(challenge16, nonce) >= 16);
  assert.ok(timerRan);
  assert.ok(progress > 0 && progress <= parseInt(nonce, 36) + 1);
});

test('difficulty 0 needs no work; abort stops a search', async () => {
  assert.equal(await solve(challenge12, 0), '0');
  const controller = new AbortController();
  const search = solve(challenge12, 30, { signal: controller.signal });
  setTimeout(() => controller.abort(), 20);
  await assert.rejects(search, { name: 'AbortError' });
});
