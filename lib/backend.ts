// What the native backend is and how many threads it uses.
import type { BackendInfo } from './bindings/backend';
import { native } from './native';

// package.json sits one level above both lib/ and dist/.
const { version } = require('../package.json') as { version: string };

export type { BackendInfo, IsaName } from './bindings/backend';

/** The active SIMD path, thread count, version and GEMM implementation. */
export function backendInfo(): BackendInfo {
  return { ...native.backendInfo(), version };
}

/**
 * Sets how many threads kernels use (the calling thread included). Results are
 * bit-identical at any count. The default is the number of physical cores, or
 * KILN_NUM_THREADS when set.
 */
export function setNumThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1 || n > 1024) {
    throw new RangeError(`setNumThreads: n must be an integer between 1 and 1024, got ${String(n)}`);
  }
  native.setNumThreads(n);
}

/** Threads kernels use now. */
export function getNumThreads(): number {
  return native.backendInfo().threads;
}
