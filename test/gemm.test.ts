import { describe, expect, it } from 'vitest';

import { native } from '../lib/native';
import { restoreBackendAfterEach } from './helpers';

type FloatArray = Float32Array | Float64Array;
type Ctor = Float32ArrayConstructor | Float64ArrayConstructor;

restoreBackendAfterEach();

function random(ctor: Ctor, n: number, seed: number): FloatArray {
  let s = seed >>> 0;
  const out = new ctor(n);
  for (let i = 0; i < n; ++i) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

interface Case {
  ta: boolean;
  tb: boolean;
  m: number;
  n: number;
  k: number;
  alpha: number;
  beta: number;
  pad: number;
}

/** Float64 reference of C = alpha op(A) op(B) + beta C (beta 0 ignores C). */
function reference(c: Case, a: FloatArray, lda: number, b: FloatArray, ldb: number, cIn: FloatArray, ldc: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < c.m; ++i) {
    for (let j = 0; j < c.n; ++j) {
      let acc = 0;
      for (let p = 0; p < c.k; ++p) acc += (c.ta ? a[p * lda + i] : a[i * lda + p]) * (c.tb ? b[j * ldb + p] : b[p * ldb + j]);
      out.push(c.alpha * acc + (c.beta === 0 ? 0 : c.beta * cIn[i * ldc + j]));
    }
  }
  return out;
}

function checkCase(ctor: Ctor, c: Case, nanC = false): void {
  const lda = (c.ta ? c.m : c.k) + c.pad;
  const ldb = (c.tb ? c.k : c.n) + c.pad;
  const ldc = c.n + c.pad;
  const a = random(ctor, (c.ta ? c.k : c.m) * lda, 1);
  const b = random(ctor, (c.tb ? c.n : c.k) * ldb, 2);
  const C = random(ctor, c.m * ldc, 3);
  if (nanC) C.fill(NaN);
  const want = reference(c, a, lda, b, ldb, C, ldc);
  native.gemm(c.ta, c.tb, c.m, c.n, c.k, c.alpha, a, lda, b, ldb, c.beta, C, ldc);
  const tol = (ctor === Float32Array ? 2e-6 : 1e-14) * (8 + c.k);
  for (let i = 0; i < c.m; ++i) {
    for (let j = 0; j < c.n; ++j) {
      const got = C[i * ldc + j];
      const w = want[i * c.n + j];
      if (!(Math.abs(got - w) <= tol * (1 + Math.abs(w)))) {
        throw new Error(`${ctor.name} ${JSON.stringify(c)}: C[${i},${j}] = ${got}, want ${w}`);
      }
    }
  }
}

const SHAPES: [number, number, number][] = [
  [1, 1, 1],
  [7, 17, 5],
  [17, 7, 129],
  [13, 33, 300],
  [70, 40, 31],
];

describe('gemm', () => {
  for (const ctor of [Float32Array, Float64Array]) {
    it(`matches a float64 reference on every ISA, transpose, alpha and beta (${ctor.name})`, () => {
      for (const isa of native.backendInfo().supportedIsas) {
        native.setIsa(isa);
        for (const [m, n, k] of SHAPES) {
          for (let t = 0; t < 4; ++t) {
            checkCase(ctor, { ta: (t & 1) > 0, tb: (t & 2) > 0, m, n, k, alpha: 1, beta: 0, pad: t === 3 ? 2 : 0 });
          }
        }
        for (const alpha of [0, 1, -0.5]) {
          for (const beta of [0, 1, -0.5]) checkCase(ctor, { ta: false, tb: true, m: 9, n: 20, k: 11, alpha, beta, pad: 1 });
        }
      }
    });
  }

  it('does not read C when beta is 0 and handles empty sizes', () => {
    for (const isa of native.backendInfo().supportedIsas) {
      native.setIsa(isa);
      checkCase(Float32Array, { ta: false, tb: false, m: 8, n: 19, k: 7, alpha: 1, beta: 0, pad: 0 }, true);
      checkCase(Float64Array, { ta: true, tb: true, m: 8, n: 19, k: 0, alpha: 1, beta: 0, pad: 0 }, true);
      for (const [m, n, k] of [[0, 3, 2], [3, 0, 2], [3, 4, 0]] as const) {
        checkCase(Float32Array, { ta: false, tb: false, m, n, k, alpha: 1, beta: -0.5, pad: 1 });
      }
    }
  });

  it('gives bit-identical results at 1 and 2 threads on every ISA', () => {
    const m = 150, n = 170, k = 300;
    for (const isa of native.backendInfo().supportedIsas) {
      native.setIsa(isa);
      for (const ctor of [Float32Array, Float64Array]) {
        const a = random(ctor, m * k, 4), b = random(ctor, k * n, 5);
        const runs = [1, 2].map((threads) => {
          native.setNumThreads(threads);
          const c = random(ctor, m * n, 6);
          native.gemm(false, true, m, n, k, 0.5, a, k, b, k, 2, c, n);
          return new Uint8Array(c.buffer);
        });
        expect(Buffer.compare(runs[0], runs[1])).toBe(0);
      }
    }
  });
});

describe('gemmBatched', () => {
  it('matches per-entry gemm, with a broadcast B (stride 0), bit-identical at 1 and 2 threads', () => {
    const m = 5, n = 6, k = 7, batch = 30, sa = m * k + 1, sc = m * n + 2;
    const a = random(Float32Array, batch * sa, 7);
    const b = random(Float32Array, k * n, 8);
    const c0 = random(Float32Array, batch * sc, 9);
    const want = Float32Array.from(c0);
    for (let i = 0; i < batch; ++i) {
      native.gemm(false, false, m, n, k, 1.5, a.subarray(i * sa), k, b, n, -1, want.subarray(i * sc), n);
    }
    const results = [1, 2].map((threads) => {
      native.setNumThreads(threads);
      const c = Float32Array.from(c0);
      native.gemmBatched(false, false, m, n, k, 1.5, a, k, sa, b, n, 0, -1, c, n, sc, batch);
      return c;
    });
    expect(Buffer.compare(new Uint8Array(results[0].buffer), new Uint8Array(want.buffer))).toBe(0);
    expect(Buffer.compare(new Uint8Array(results[1].buffer), new Uint8Array(want.buffer))).toBe(0);
  });

  it('checks the batched extents and refuses overlapping outputs', () => {
    const a = new Float64Array(2 * 6), b = new Float64Array(6), c = new Float64Array(2 * 4);
    native.gemmBatched(false, false, 2, 2, 3, 1, a, 3, 6, b, 2, 0, 0, c, 2, 4, 2);
    expect(() => native.gemmBatched(false, false, 2, 2, 3, 1, a, 3, 7, b, 2, 0, 0, c, 2, 4, 2)).toThrow(
      /gemmBatched: argument 'A' has 12 elements, needs at least 13/,
    );
    expect(() => native.gemmBatched(false, false, 2, 2, 3, 1, a, 3, 6, b, 2, 0, 0, c, 2, 3, 2)).toThrow(
      /gemmBatched: argument 'strideC' \(3\) must be >= the extent of one C matrix \(4\)/,
    );
    expect(() => native.gemmBatched(false, false, 2, 2, 3, 1, a, 3, 6, b, 2, 0, 0, c, 2, 2 ** 53 - 2, 2)).toThrow(
      /gemmBatched: C overflows/,
    );
    expect(() => native.gemmBatched(false, false, 2, 2, 3, 1, a, 3, 6, b, 2, 0, 0, c, 2, 4, -1)).toThrow(
      /gemmBatched: argument 'batch' must be >= 0/,
    );
    expect(() => native.gemmBatched(false, false, 2, 2, 3, 1, a, 3, 6, b, 2, 0, 0, new Float32Array(8) as unknown as Float64Array, 2, 4, 2)).toThrow(
      /gemmBatched: argument 'C' must be a Float64Array, got Float32Array/,
    );
  });
});

describe('gemm argument errors', () => {
  const f32 = (n: number) => new Float32Array(n);
  // A valid call: 2x3 by 3x4 into 2x4.
  const call = (over: Partial<Record<string, unknown>> = {}) => {
    const args: Record<string, unknown> = {
      transA: false, transB: false, m: 2, n: 4, k: 3, alpha: 1, A: f32(6), lda: 3, B: f32(12), ldb: 4, beta: 0, C: f32(8), ldc: 4,
      ...over,
    };
    const order = ['transA', 'transB', 'm', 'n', 'k', 'alpha', 'A', 'lda', 'B', 'ldb', 'beta', 'C', 'ldc'];
    return () => (native.gemm as (...xs: unknown[]) => void)(...order.map((key) => args[key]));
  };

  it('accepts the valid call', () => {
    expect(call()).not.toThrow();
  });

  it('names the argument of a wrong type', () => {
    expect(call({ transA: 1 })).toThrow(/gemm: argument 'transA' must be a boolean, got number 1/);
    expect(call({ A: [1, 2, 3, 4, 5, 6] })).toThrow(/gemm: argument 'A' must be a Float32Array or Float64Array, got Array/);
    expect(call({ A: new Int32Array(6) })).toThrow(/gemm: argument 'A' must be a Float32Array or Float64Array, got Int32Array/);
    expect(call({ B: new Float64Array(12) })).toThrow(/gemm: argument 'B' must be a Float32Array, got Float64Array/);
    expect(call({ C: new Float64Array(8) })).toThrow(TypeError);
    expect(call({ alpha: '1' })).toThrow(/gemm: argument 'alpha' must be a number, got string/);
    expect(() => (native.gemm as (...xs: unknown[]) => void)(false)).toThrow(/gemm: expected 13 arguments, got 1/);
  });

  it('refuses short and detached buffers', () => {
    expect(call({ A: f32(5) })).toThrow(/gemm: argument 'A' has 5 elements, needs at least 6/);
    expect(call({ B: f32(11) })).toThrow(/gemm: argument 'B' has 11 elements, needs at least 12/);
    expect(call({ C: f32(7) })).toThrow(/gemm: argument 'C' has 7 elements, needs at least 8/);
    expect(call({ transA: true, A: f32(6), lda: 2 })).not.toThrow();
    expect(call({ transB: true, B: f32(12), ldb: 3 })).not.toThrow();
    const detached = f32(6);
    structuredClone(detached, { transfer: [detached.buffer] });
    expect(call({ A: detached })).toThrow(/gemm: argument 'A' is backed by a detached ArrayBuffer/);
  });

  it('refuses negative, fractional, overflowing sizes and too-small leading dimensions', () => {
    expect(call({ m: -1 })).toThrow(/gemm: argument 'm' must be >= 0, got -1/);
    expect(call({ k: 1.5 })).toThrow(/gemm: argument 'k' must be an integer, got number 1.5/);
    expect(call({ n: 2 ** 60 })).toThrow(RangeError);
    expect(call({ m: 2 ** 40, lda: 2 ** 40 })).toThrow(/gemm: A overflows/);
    expect(call({ lda: 2 })).toThrow(/gemm: argument 'lda' \(2\) must be >= the column count of 'A' \(3\)/);
    expect(call({ transA: true, lda: 1 })).toThrow(/gemm: argument 'lda' \(1\) must be >= the column count of 'A' \(2\)/);
    expect(call({ ldb: 3 })).toThrow(/gemm: argument 'ldb' \(3\) must be >= the column count of 'B' \(4\)/);
    expect(call({ ldc: 3 })).toThrow(/gemm: argument 'ldc' \(3\) must be >= the column count of 'C' \(4\)/);
  });
});
