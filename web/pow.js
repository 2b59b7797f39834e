// Solves the queue-join proof of work (net/proof_of_work.hpp): finds a nonce such
// that SHA-256(challenge + ':' + nonce) starts with `difficulty` zero bits, about
// 2^difficulty hashes. Nonces are a counter in base 36 from 0, so the answer for
// a challenge is deterministic (tests on both sides can pin it). Hashes run
// through WebCrypto in batches (one await per batch, not per hash), and the
// search yields to the event loop every few milliseconds so the page stays
// responsive while it works.

const encoder = new TextEncoder();
const batchSize = 256;
const yieldEveryMs = 12;

export function leadingZeroBits(bytes) {
  let bits = 0;
  for (const byte of bytes) {
    if (byte === 0) { bits += 8; continue; }
    return bits + Math.clz32(byte) - 24;
  }
  return bits;
}

const nextTask = () => new Promise((resolve) => setTimeout(resolve, 0));

// Resolves to the nonce string. Options: `signal` (an AbortSignal: stop when the
// user leaves), `onProgress(hashesDone)` (called at each yield).
export async function solve(challenge, difficulty, { signal, onProgress } = {}) {
  if (!(difficulty > 0)) return '0'; // the check is off: any nonce passes
  if (difficulty > 32) throw new RangeError(`difficulty ${difficulty} is beyond the server's limit`);
  const prefix = `${challenge}:`;
  let counter = 0;
  let lastYield = performance.now();
  for (;;) {
    signal?.throwIfAborted();
    const nonces = [];
    const pending = [];
    for (let i = 0; i < batchSize; i++) {
      const nonce = (counter++).toString(36);
      nonces.push(nonce);
      pending.push(crypto.subtle.digest('SHA-256', encoder.encode(prefix + nonce)));
    }
    const digests = await Promise.all(pending);
    // The first in counter order, so the answer does not depend on the batch size.
    for (let i = 0; i < digests.length; i++) {
      if (leadingZeroBits(new Uint8Array(digests[i])) >= difficulty) return nonces[i];
    }
    if (performance.now() - lastYield >= yieldEveryMs) {
      onProgress?.(counter);
      await nextTask();
      lastYield = performance.now();
    }
  }
}
