import { describe, expect, it } from 'vitest';

import { native } from '../lib/native';
import { bytes, restoreBackendAfterEach } from './helpers';

const { supportedIsas } = native.backendInfo();

restoreBackendAfterEach();

type Out = Float32Array | Float64Array | Int32Array;

function meanVar(x: ArrayLike<number>): [number, number] {
  let s = 0;
  for (let i = 0; i < x.length; ++i) s += x[i];
  const mean = s / x.length;
  let s2 = 0;
  for (let i = 0; i < x.length; ++i) s2 += (x[i] - mean) ** 2;
  return [mean, s2 / (x.length - 1)];
}

// Every fill kind over n values from (seed, offset); with `split`, as two fills where the
// second starts at the offset advanced by the blocks the first reported.
function allFills(n: number, seed: number, offset: number, split?: number): Buffer {
  const parts: Buffer[] = [];
  const fills: [() => Out, (out: Out, off: number) => number][] = [];
  for (const Arr of [Float32Array, Float64Array]) {
    fills.push([() => new Arr(n), (o, off) => native.randomUniform(o as Float32Array, seed, off, -1, 2)]);
    fills.push([() => new Arr(n), (o, off) => native.randomNormal(o as Float32Array, seed, off, 1, 3)]);
    fills.push([() => new Arr(n), (o, off) => native.randomBernoulli(o as Float32Array, seed, off, 0.3)]);
  }
  fills.push([() => new Int32Array(n), (o, off) => native.randomInt(o as Int32Array, seed, off, -5, 1000)]);
  for (const [make, fill] of fills) {
    const out = make();
    if (split === undefined) fill(out, offset);
    else fill(out.subarray(split), offset + fill(out.subarray(0, split), offset));
    parts.push(bytes(out));
  }
  return Buffer.concat(parts);
}

describe('random fills', () => {
  it.each(supportedIsas)('give the same values at any thread count and split, distinct per seed and offset (%s)', (isa) => {
    native.setIsa(isa);
    const n = 300001;
    native.setNumThreads(1);
    const one = allFills(n, 42, 7);
    native.setNumThreads(2);
    expect(allFills(n, 42, 7).equals(one)).toBe(true);
    for (const split of [0, 4, 1000, 65536 * 2 + 12]) expect(allFills(n, 42, 7, split).equals(one)).toBe(true);
    expect(allFills(n, 43, 7).equals(one)).toBe(false);
    expect(allFills(n, 42, 8).equals(one)).toBe(false);
  });

  it('give the same values on every ISA path', () => {
    native.setIsa('scalar');
    const reference = allFills(70001, 77, 3);
    for (const isa of supportedIsas) {
      native.setIsa(isa);
      expect(allFills(70001, 77, 3).equals(reference)).toBe(true);
    }
  });

  it('report the counter blocks they consumed', () => {
    expect(native.randomUniform(new Float32Array(5), 1, 0, 0, 1)).toBe(2);
    expect(native.randomNormal(new Float32Array(8), 1, 0, 0, 1)).toBe(2);
    expect(native.randomBernoulli(new Float64Array(5), 1, 0, 0.5)).toBe(3);
    expect(native.randomInt(new Int32Array(4), 1, 0, 0, 9)).toBe(2);
    expect(native.randomNormal(new Float64Array(0), 1, 0, 0, 1)).toBe(0);
    // A fill from a later offset continues the stream: the tail of a longer fill.
    const full = new Float64Array(40);
    const tail = new Float64Array(28);
    native.randomNormal(full, 99, 2 ** 40, 0, 1);
    native.randomNormal(tail, 99, 2 ** 40 + 6, 0, 1);
    expect(Array.from(tail)).toEqual(Array.from(full.subarray(12)));
  });

  it.each(supportedIsas)('uniform: mean, variance and range [low, high) (%s)', (isa) => {
    native.setIsa(isa);
    const n = 1_000_000;
    for (const Arr of [Float32Array, Float64Array]) {
      const x = new Arr(n);
      native.randomUniform(x, 5, 0, -2, 3);
      const [mean, variance] = meanVar(x);
      const sd = 5 / Math.sqrt(12);
      expect(Math.abs(mean - 0.5)).toBeLessThan((5 * sd) / Math.sqrt(n));
      expect(Math.abs(variance / (sd * sd) - 1)).toBeLessThan(0.01);
      let lo = Infinity;
      let hi = -Infinity;
      for (const v of x) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
      expect(lo).toBeGreaterThanOrEqual(-2);
      expect(hi).toBeLessThan(3);
    }
    // A range four float ulps wide: values that round up to high are kept below it.
    const narrow = new Float32Array(100000);
    native.randomUniform(narrow, 6, 0, 1, 1 + 2 ** -21);
    expect(Math.max(...narrow)).toBe(1 + 3 * 2 ** -23);
  });

  it.each(supportedIsas)('normal: mean, variance, tails, all finite (%s)', (isa) => {
    native.setIsa(isa);
    const n = 1_000_000;
    for (const Arr of [Float32Array, Float64Array]) {
      const x = new Arr(n);
      native.randomNormal(x, 7, 0, 2, 3);
      const [mean, variance] = meanVar(x);
      expect(Math.abs(mean - 2)).toBeLessThan((5 * 3) / Math.sqrt(n));
      expect(Math.abs(variance / 9 - 1)).toBeLessThan(0.01);
      let beyond = 0;
      let finite = 0;
      for (const v of x) {
        if (Number.isFinite(v)) finite++;
        if (Math.abs(v - 2) > 6) beyond++;
      }
      expect(finite).toBe(n);
      const p = 0.0455; // P(|z| > 2)
      expect(Math.abs(beyond / n - p)).toBeLessThan(5 * Math.sqrt((p * (1 - p)) / n));
    }
  });

  it.each(supportedIsas)('bernoulli: frequency of ones, values 0 or 1 (%s)', (isa) => {
    native.setIsa(isa);
    const n = 1_000_000;
    for (const Arr of [Float32Array, Float64Array])
      for (const p of [0, 0.3, 1]) {
        const x = new Arr(n);
        native.randomBernoulli(x, 8, 0, p);
        let ones = 0;
        let binary = 0;
        for (const v of x) {
          if (v === 0 || v === 1) binary++;
          ones += v;
        }
        expect(binary).toBe(n);
        expect(Math.abs(ones / n - p)).toBeLessThanOrEqual(5 * Math.sqrt((p * (1 - p)) / n));
      }
  });

  it.each(supportedIsas)('randint: covers [low, high) evenly (%s)', (isa) => {
    native.setIsa(isa);
    const n = 1_000_000;
    const x = new Int32Array(n);
    native.randomInt(x, 9, 0, -3, 7);
    const counts = new Array<number>(10).fill(0);
    for (const v of x) counts[v + 3]++; // a value outside [-3, 7) would make a NaN bucket count
    expect(counts.reduce((a, b) => a + b)).toBe(n);
    for (const c of counts) expect(Math.abs(c - n / 10)).toBeLessThan(5 * Math.sqrt(n * 0.09));
    native.randomInt(x, 10, 0, -(2 ** 31), 2 ** 31);
    expect(x.some((v) => v < -(2 ** 30))).toBe(true);
    expect(x.some((v) => v > 2 ** 30)).toBe(true);
  });

  it('refuse bad arguments with messages naming the kernel and the argument', () => {
    const f = new Float32Array(4);
    const call = (name: string, ...x: unknown[]) => (native as unknown as Record<string, (...y: unknown[]) => unknown>)[name](...x);
    expect(() => call('randomUniform', f, 1, 0, 2, 2)).toThrow(/randomUniform: needs low < high with a finite width, got low 2 and high 2/);
    expect(() => call('randomUniform', f, 1, 0, -Infinity, 2)).toThrow(/randomUniform: argument 'low' must be finite/);
    expect(() => call('randomUniform', f, 1, 0, -1e308, 1e308)).toThrow(/randomUniform: needs low < high with a finite width/);
    expect(() => call('randomUniform', f, -1, 0, 0, 1)).toThrow(/randomUniform: argument 'seed' must be >= 0, got -1/);
    expect(() => call('randomUniform', f, 1.5, 0, 0, 1)).toThrow(/randomUniform: argument 'seed' must be an integer/);
    expect(() => call('randomUniform', f, 2 ** 53, 0, 0, 1)).toThrow(/randomUniform: argument 'seed' must be an integer/);
    expect(() => call('randomUniform', f, 1, -3, 0, 1)).toThrow(/randomUniform: argument 'offset' must be >= 0/);
    expect(() => call('randomUniform', new Int32Array(4), 1, 0, 0, 1)).toThrow(/randomUniform: argument 'out' must be a Float32Array or Float64Array, got Int32Array/);
    expect(() => call('randomUniform', [0, 0], 1, 0, 0, 1)).toThrow(/randomUniform: argument 'out' must be/);
    expect(() => call('randomUniform', f, 1, 0, 0)).toThrow(/randomUniform: expected 5 arguments, got 4/);
    expect(() => call('randomNormal', f, 1, 0, 0, -1)).toThrow(/randomNormal: argument 'std' must be >= 0, got -1/);
    expect(() => call('randomNormal', f, 1, 0, NaN, 1)).toThrow(/randomNormal: argument 'mean' must be finite/);
    expect(() => call('randomBernoulli', f, 1, 0, 1.5)).toThrow(/randomBernoulli: argument 'p' must be in \[0, 1\], got 1.5/);
    expect(() => call('randomBernoulli', f, 1, 0, -0.1)).toThrow(/randomBernoulli: argument 'p' must be in \[0, 1\]/);
    expect(() => call('randomInt', new Int32Array(4), 1, 0, 5, 5)).toThrow(/randomInt: argument 'high' must be in \(low, 2\^31\], got low 5 and high 5/);
    expect(() => call('randomInt', new Int32Array(4), 1, 0, 0, 2 ** 31 + 1)).toThrow(/randomInt: argument 'high'/);
    expect(() => call('randomInt', new Int32Array(4), 1, 0, -(2 ** 31) - 1, 0)).toThrow(/randomInt: argument 'low' must be an int32/);
    expect(() => call('randomInt', new Int32Array(4), 1, 0, 0.5, 3)).toThrow(/randomInt: argument 'low' must be an integer/);
    expect(() => call('randomInt', f, 1, 0, 0, 3)).toThrow(/randomInt: argument 'out' must be a Int32Array|randomInt: argument 'out' must be an Int32Array/);
    const d = new Float64Array(4);
    structuredClone(d, { transfer: [d.buffer] });
    expect(() => call('randomNormal', d, 1, 0, 0, 1)).toThrow(/randomNormal: argument 'out' is backed by a detached ArrayBuffer/);
  });
});
