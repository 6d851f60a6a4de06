// Helpers shared by the kernel tests.
import { afterEach } from 'vitest';

import { native } from '../lib/native';

/** Tests switch the process-wide ISA path and thread count; put them back after each test. */
export function restoreBackendAfterEach(): void {
  const initial = native.backendInfo();
  afterEach(() => {
    native.setIsa(initial.isa);
    native.setNumThreads(initial.threads);
  });
}

/** Runs fn once on every ISA path this CPU supports, with that path active. */
export function eachIsa(fn: () => void): void {
  for (const isa of native.backendInfo().supportedIsas) {
    native.setIsa(isa);
    fn();
  }
}

/** Deterministic uniform numbers in [0, 1) (mulberry32). */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The bytes a typed array views, for bit-for-bit comparisons. */
export function bytes(a: Float32Array | Float64Array | Int32Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}
