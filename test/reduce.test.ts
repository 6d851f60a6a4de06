import { describe, expect, it } from 'vitest';

import { native } from '../lib/native';
import { restoreBackendAfterEach } from './helpers';

type FloatArray = Float32Array | Float64Array;
const ops = native.reduceOps;
const { supportedIsas } = native.backendInfo();

restoreBackendAfterEach();

function randomArray(Ctor: Float32ArrayConstructor | Float64ArrayConstructor, n: number, seed: number): FloatArray {
  const a = new Ctor(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = (s / 2 ** 32) * 6 - 3;
    if (i % 5 === 0) a[i] = 2.5; // ties
  }
  return a;
}

// float64 reference by definition: each element goes to its output and its row-major
// position within the reduced axes.
function reference(op: number, shape: number[], axes: number[], x: FloatArray) {
  const reduced = shape.map((_, a) => axes.includes(a));
  const outputs = shape.reduce((p, s, a) => (reduced[a] ? p : p * s), 1);
  const length = shape.reduce((p, s, a) => (reduced[a] ? p * s : p), 1);
  const extreme = op === ops.max || op === ops.min;
  const value = new Float64Array(outputs).fill(extreme ? NaN : 0);
  const index = new Int32Array(outputs).fill(-1);
  const idx = shape.map(() => 0);
  for (let k = 0; k < x.length; k++) {
    let o = 0;
    let q = 0;
    shape.forEach((s, a) => {
      if (reduced[a]) q = q * s + idx[a];
      else o = o * s + idx[a];
    });
    const v = x[k];
    if (extreme) {
      const better = op === ops.max ? v > value[o] : v < value[o];
      if (index[o] < 0 || (!Number.isNaN(value[o]) && (Number.isNaN(v) || better))) {
        value[o] = v;
        index[o] = q;
      }
    } else {
      value[o] += op === ops.norm2 || op === ops.sumSquares ? v * v : v;
    }
    for (let a = shape.length - 1; a >= 0; a--) {
      if (++idx[a] < shape[a]) break;
      idx[a] = 0;
    }
  }
  for (let o = 0; o < outputs; o++) {
    if (op === ops.mean) value[o] /= length;
    if (op === ops.norm2) value[o] = Math.sqrt(value[o]);
  }
  return { value, index, outputs, length };
}

function axisSets(rank: number): number[][] {
  const sets: number[][] = [];
  for (let m = 0; m < 1 << rank; m++) sets.push([...Array(rank).keys()].filter((a) => (m >> a) & 1));
  return sets;
}

const allOps = Object.values(ops) as number[];

describe('reduce', () => {
  it('matches a float64 reference for every op, axis set, dtype and ISA', () => {
    const shapes = [[], [1], [7], [1023], [17, 3], [2, 129, 3], [3, 0, 2], [2, 3, 4, 5], [3, 1, 5, 1, 7]];
    for (const isa of supportedIsas) {
      native.setIsa(isa);
      for (const Ctor of [Float32Array, Float64Array]) {
        const tol = Ctor === Float32Array ? 1e-6 : 1e-13;
        for (const shape of shapes) {
          const x = randomArray(Ctor, shape.reduce((p, s) => p * s, 1), shape.length + 1);
          for (const axes of axisSets(shape.length))
            for (const op of allOps) {
              const ref = reference(op, shape, axes, x);
              const extreme = op === ops.max || op === ops.min;
              if (extreme && ref.length === 0 && ref.outputs > 0) {
                expect(() => native.reduce(op as never, shape, axes, x, new Ctor(ref.outputs), null)).toThrow(
                  /reduce: cannot take the m(ax|in) of an empty reduction/,
                );
                continue;
              }
              const out = new Ctor(ref.outputs);
              const index = extreme ? new Int32Array(ref.outputs) : null;
              native.reduce(op as never, shape, axes, x, out, index);
              for (let o = 0; o < ref.outputs; o++) {
                const want = Ctor === Float32Array ? Math.fround(ref.value[o]) : ref.value[o];
                if (Number.isNaN(want)) expect(out[o]).toBeNaN();
                else expect(Math.abs(out[o] - want)).toBeLessThanOrEqual(tol * (1 + Math.abs(want)));
                if (index) expect(index[o]).toBe(ref.index[o]);
              }
            }
        }
      }
    }
  });

  it('reduces all axes with axes = null and propagates NaN like PyTorch', () => {
    const x = new Float64Array([1, 5, NaN, 5, NaN]);
    const out = new Float64Array(1);
    const index = new Int32Array(1);
    native.reduce(ops.max, [5], null, x, out, index);
    expect(out[0]).toBeNaN();
    expect(index[0]).toBe(2);
    native.reduce(ops.sum, [5], null, new Float64Array([1, 2, 3, 4, 5]), out, null);
    expect(out[0]).toBe(15);
    native.reduce(ops.sum, [0], null, new Float64Array(0), out, null);
    expect(out[0]).toBe(0);
    native.reduce(ops.mean, [0], null, new Float64Array(0), out, null);
    expect(out[0]).toBeNaN();
    native.reduce(ops.norm2, [2], [-1], new Float64Array([3e200, 4e200]), out, null);
    expect(out[0]).toBeCloseTo(5e200, -186);
  });

  it('is bit-identical at 1 and 2 threads on inputs big enough to split', () => {
    for (const isa of supportedIsas) {
      native.setIsa(isa);
      for (const shape of [[600000], [2, 300000], [3000, 300], [300000, 3]]) {
        const x = randomArray(Float32Array, shape.reduce((p, s) => p * s, 1), 9);
        for (const axes of axisSets(shape.length).slice(1))
          for (const op of [ops.sum, ops.max, ops.norm2]) {
            const outputs = shape.reduce((p, s, a) => (axes.includes(a) ? p : p * s), 1);
            const results = [1, 2].map((t) => {
              native.setNumThreads(t);
              const out = new Float32Array(outputs);
              const index = op === ops.max ? new Int32Array(outputs) : null;
              native.reduce(op, shape, axes, x, out, index);
              return [Buffer.from(out.buffer), index ? Buffer.from(index.buffer) : null] as const;
            });
            expect(results[0][0].equals(results[1][0])).toBe(true);
            if (results[0][1]) expect(results[0][1].equals(results[1][1]!)).toBe(true);
          }
      }
    }
  });

  it('refuses bad arguments with errors naming the kernel and the argument', () => {
    const x = new Float32Array(6);
    const out = new Float32Array(6);
    const r = native.reduce as (...args: unknown[]) => void;
    expect(() => r(9, [2, 3], [0], x, out, null)).toThrow(/reduce: argument 'op' must be a code from reduceOps/);
    expect(() => r(0.5, [2, 3], [0], x, out, null)).toThrow(/reduce: argument 'op' must be an integer/);
    expect(() => r(ops.sum, [2, 3], [2], x, out, null)).toThrow(/reduce: argument 'axes' has axis 2, out of range for rank 2/);
    expect(() => r(ops.sum, [2, 3], [1, -1], x, out, null)).toThrow(/reduce: argument 'axes' repeats axis 1/);
    expect(() => r(ops.sum, [2, -3], [0], x, out, null)).toThrow(/reduce: argument 'shape\[1\]' must be a non-negative integer/);
    expect(() => r(ops.sum, [1, 2, 3, 4, 5, 6, 7, 8, 9], [0], x, out, null)).toThrow(/reduce: argument 'shape' has 9 items/);
    expect(() => r(ops.sum, [2, 4], [0], x, out, null)).toThrow(/reduce: argument 'x'/);
    expect(() => r(ops.sum, [2, 3], [], x, new Float32Array(5), null)).toThrow(/reduce: argument 'out'/);
    expect(() => r(ops.sum, [2, 3], [0], x, new Float64Array(3), null)).toThrow(/reduce: argument 'out'/);
    expect(() => r(ops.sum, [2, 3], [0], new Int32Array(6), out, null)).toThrow(/reduce: argument 'x' must be a Float32Array or Float64Array/);
    expect(() => r(ops.sum, [2, 3], [0], x, out, new Int32Array(3))).toThrow(/reduce: argument 'outIndex' must be null for sum/);
    expect(() => r(ops.max, [2, 3], [0], x, out, new Int32Array(2))).toThrow(/reduce: argument 'outIndex'/);
    expect(() => r(ops.max, [2 ** 40, 2 ** 40], [0], x, out, null)).toThrow(/reduce: .*overflow/);
    const detached = structuredClone(x, { transfer: [x.buffer] });
    expect(detached.length).toBe(6);
    expect(() => r(ops.sum, [2, 3], [0], x, out, null)).toThrow(/reduce: argument 'x'/);
    expect(() => r(ops.sum, [2, 3], [0])).toThrow(/reduce: expected 6 arguments, got 3/);
  });
});
