import { describe, expect, it } from 'vitest';

import type { LossReduction } from '../lib/bindings/softmax';
import { native } from '../lib/native';
import { restoreBackendAfterEach } from './helpers';

type FloatArray = Float32Array | Float64Array;
type FloatCtor = Float32ArrayConstructor | Float64ArrayConstructor;
const { supportedIsas } = native.backendInfo();

restoreBackendAfterEach();

function random(Ctor: FloatCtor, n: number, seed: number, lo = -5, hi = 5): FloatArray {
  const a = new Ctor(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = lo + (s / 2 ** 32) * (hi - lo);
  }
  return a;
}

// Index of the first element outside tolerance (NaN and infinities must match exactly), or -1.
function firstMismatch(got: ArrayLike<number>, want: ArrayLike<number>, tol: number): number {
  for (let i = 0; i < want.length; i++) {
    const ok = Number.isFinite(want[i])
      ? Math.abs(got[i] - want[i]) <= tol * (1 + Math.abs(want[i]))
      : Object.is(got[i], want[i]) || (Number.isNaN(want[i]) && Number.isNaN(got[i]));
    if (!ok) return i;
  }
  return -1;
}

function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, tol: number) {
  expect(got.length).toBe(want.length);
  const i = firstMismatch(got, want, tol);
  expect(i < 0 ? 'all close' : `[${i}]: got ${got[i]}, want ${want[i]}`).toBe('all close');
}

const same = (a: ArrayBufferView, b: ArrayBufferView) =>
  Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

function refSoftmax(log: boolean, x: ArrayLike<number>, outer: number, dim: number, inner: number) {
  const y = new Float64Array(x.length);
  for (let o = 0; o < outer; o++)
    for (let i = 0; i < inner; i++) {
      const at = (d: number) => (o * dim + d) * inner + i;
      let m = -Infinity;
      let s = 0;
      for (let d = 0; d < dim; d++) m = Math.max(m, x[at(d)]);
      for (let d = 0; d < dim; d++) s += Math.exp(x[at(d)] - m);
      for (let d = 0; d < dim; d++) y[at(d)] = log ? x[at(d)] - m - Math.log(s) : Math.exp(x[at(d)] - m) / s;
    }
  return y;
}

interface CeCase {
  n: number;
  c: number;
  prob: boolean;
  weighted: boolean;
  eps: number;
  reduction: LossReduction;
  ignore: boolean;
}

// PyTorch's cross_entropy (LossNLL.cpp) in float64: per-sample losses and the reduced loss.
function refCrossEntropy(x: ArrayLike<number>, target: ArrayLike<number>, w: ArrayLike<number> | null, k: CeCase) {
  const losses = new Float64Array(k.n);
  let denom = 0;
  let sum = 0;
  const wt = (j: number) => (w ? w[j] : 1);
  for (let i = 0; i < k.n; i++) {
    let m = -Infinity;
    let s = 0;
    for (let j = 0; j < k.c; j++) m = Math.max(m, x[i * k.c + j]);
    for (let j = 0; j < k.c; j++) s += Math.exp(x[i * k.c + j] - m);
    const logp = (j: number) => x[i * k.c + j] - m - Math.log(s);
    if (k.prob) {
      for (let j = 0; j < k.c; j++) losses[i] -= wt(j) * ((1 - k.eps) * target[i * k.c + j] + k.eps / k.c) * logp(j);
      denom += 1;
    } else if (target[i] !== -100) {
      const y = target[i];
      let smooth = 0;
      for (let j = 0; j < k.c; j++) smooth -= wt(j) * logp(j);
      // PyTorch adds the smoothing term only when label_smoothing > 0.
      losses[i] = -(1 - k.eps) * wt(y) * logp(y) + (k.eps > 0 ? (k.eps / k.c) * smooth : 0);
      denom += wt(y);
    }
    sum += losses[i];
  }
  return { losses, reduced: k.reduction === 'mean' ? sum / denom : sum };
}

function ceInputs(Ctor: FloatCtor, k: CeCase, seed: number) {
  const logits = random(Ctor, k.n * k.c, seed, -4, 4);
  if (logits.length > 3) {
    logits[1] = 1e4;
    logits[2] = -Infinity;
  }
  let target: Int32Array | FloatArray;
  if (k.prob) {
    target = random(Ctor, k.n * k.c, seed + 1, 0, 1);
    for (let i = 0; i < k.n; i++) {
      let s = 0;
      for (let j = 0; j < k.c; j++) s += target[i * k.c + j];
      for (let j = 0; j < k.c; j++) target[i * k.c + j] /= s;
    }
  } else {
    target = new Int32Array(k.n).map((_, i) => (k.ignore && i % 3 === 0 ? -100 : (i * 7 + seed) % k.c));
  }
  const weight = k.weighted ? random(Ctor, k.c, seed + 2, 0.2, 2) : null;
  return { logits, target, weight };
}

describe('softmax', () => {
  it('forward and backward match float64 references on every shape, dtype and ISA', () => {
    const shapes = [[1, 1, 1], [3, 7, 1], [2, 17, 5], [1, 129, 3], [4, 1023, 1], [2, 5, 129], [0, 3, 2], [2, 0, 3], [1, 100000, 1]];
    for (const isa of supportedIsas) {
      native.setIsa(isa);
      for (const Ctor of [Float32Array, Float64Array])
        for (const [outer, dim, inner] of shapes)
          for (const log of [false, true]) {
            const tol = Ctor === Float32Array ? 2e-5 : 1e-12;
            const x = random(Ctor, outer * dim * inner, dim + inner);
            if (x.length > 2) {
              x[0] = 1e4;
              x[1] = -Infinity;
            }
            const dy = random(Ctor, x.length, 77);
            const y = new Ctor(x.length);
            const dx = new Ctor(x.length);
            native.softmaxForward(log, outer, dim, inner, x, y);
            expectClose(y, refSoftmax(log, x, outer, dim, inner), tol);
            native.softmaxBackward(log, outer, dim, inner, y, dy, dx);
            const want = new Float64Array(x.length);
            for (let o = 0; o < outer; o++)
              for (let i = 0; i < inner; i++) {
                const at = (d: number) => (o * dim + d) * inner + i;
                let s = 0;
                for (let d = 0; d < dim; d++) s += log ? dy[at(d)] : dy[at(d)] * y[at(d)];
                for (let d = 0; d < dim; d++)
                  want[at(d)] = log ? dy[at(d)] - Math.exp(y[at(d)]) * s : y[at(d)] * (dy[at(d)] - s);
              }
            expectClose(dx, want, tol * 10);
          }
    }
  });

  it('cross-entropy matches PyTorch semantics, forward and backward (central differences)', () => {
    const reductions: LossReduction[] = ['none', 'sum', 'mean'];
    for (const isa of supportedIsas) {
      native.setIsa(isa);
      let seed = 1;
      for (const [n, c] of [[1, 1], [7, 3], [17, 129]])
        for (const prob of [false, true])
          for (const weighted of [false, true])
            for (const eps of [0, 0.1])
              for (const reduction of reductions)
                for (const ignore of prob ? [false] : [false, true]) {
                  const k: CeCase = { n, c, prob, weighted, eps, reduction, ignore };
                  const { logits, target, weight } = ceInputs(Float64Array, k, seed++);
                  const losses = new Float64Array(n);
                  const lse = new Float64Array(n);
                  const got = native.crossEntropyForward(logits, n, c, target, weight, -100, eps, reduction, losses, lse);
                  const ref = refCrossEntropy(logits, target, weight, k);
                  expectClose(losses, ref.losses, 1e-12);
                  expectClose([got], [ref.reduced], 1e-12);
                  const grad = reduction === 'none' ? random(Float64Array, n, seed) : new Float64Array([0.7]);
                  const dlogits = new Float64Array(n * c);
                  native.crossEntropyBackward(logits, n, c, target, weight, -100, eps, reduction, lse, grad, dlogits);
                  const objective = () => {
                    const r = refCrossEntropy(logits, target, weight, k);
                    return reduction === 'none' ? r.losses.reduce((s, l, i) => s + l * grad[i], 0) : grad[0] * r.reduced;
                  };
                  for (let q = 0; q < n * c; q += Math.max(1, Math.floor((n * c) / 25))) {
                    if (!Number.isFinite(logits[q]) || Math.abs(logits[q]) > 100) continue;
                    const keep = logits[q];
                    logits[q] = keep + 1e-6;
                    const up = objective();
                    logits[q] = keep - 1e-6;
                    const down = objective();
                    logits[q] = keep;
                    // All samples ignored ('mean' is NaN, the gradient 0) or an infinite loss
                    // from a -inf logit: no finite difference to compare with.
                    if (!Number.isFinite(up - down)) continue;
                    // Cancellation in up - down grows with the loss (a 1e4 logit makes it ~1e4).
                    expect(Math.abs(dlogits[q] - (up - down) / 2e-6)).toBeLessThan(1e-6 + 1e-9 * Math.abs(up));
                  }
                }
    }
  });

  it('cross-entropy in float32 agrees with float64 and recomputes lse when not given', () => {
    const k: CeCase = { n: 33, c: 17, prob: false, weighted: true, eps: 0.2, reduction: 'mean', ignore: true };
    const f64 = ceInputs(Float64Array, k, 5);
    const f32 = ceInputs(Float32Array, k, 5);
    const l64 = native.crossEntropyForward(f64.logits, k.n, k.c, f64.target, f64.weight, -100, k.eps, 'mean', null, null);
    const l32 = native.crossEntropyForward(f32.logits, k.n, k.c, f32.target, f32.weight, -100, k.eps, 'mean', null, null);
    expect(Math.abs(l32 - l64)).toBeLessThan(1e-4 * Math.abs(l64));
    const g = new Float32Array([1]);
    const a = new Float32Array(k.n * k.c);
    const b = new Float32Array(k.n * k.c);
    const lse = new Float32Array(k.n);
    native.crossEntropyForward(f32.logits, k.n, k.c, f32.target, f32.weight, -100, k.eps, 'mean', null, lse);
    native.crossEntropyBackward(f32.logits, k.n, k.c, f32.target, f32.weight, -100, k.eps, 'mean', lse, g, a);
    native.crossEntropyBackward(f32.logits, k.n, k.c, f32.target, f32.weight, -100, k.eps, 'mean', null, g, b);
    expectClose(a, b, 1e-6);
  });

  it('multi-margin loss matches PyTorch semantics; times C it is the cs231n SVM loss', () => {
    const scores = new Float64Array([3.2, 5.1, -1.7, 1.3, 4.9, 2.0, 2.2, 2.5, -3.1]);
    const target = new Int32Array([0, 1, 2]);
    const losses = new Float64Array(3);
    native.multiMarginForward(scores, 3, 3, target, null, 1, 1, 'none', losses);
    // The lecture's three examples: 2.9, 0, 12.9 (divided by C = 3 in PyTorch's form).
    expectClose(Array.from(losses, (l) => l * 3), [2.9, 0, 12.9], 1e-12);
    for (const isa of supportedIsas) {
      native.setIsa(isa);
      for (const p of [1, 2] as const)
        for (const reduction of ['none', 'sum', 'mean'] as LossReduction[]) {
          const [n, c] = [7, 5];
          const x = random(Float64Array, n * c, 3, -2, 2);
          const y = new Int32Array(n).map((_, i) => (i * 3) % c);
          const w = random(Float64Array, c, 4, 0.5, 2);
          const ref = (xs: ArrayLike<number>) => {
            const l = new Float64Array(n);
            for (let i = 0; i < n; i++) {
              for (let j = 0; j < c; j++)
                if (j !== y[i]) l[i] += Math.max(0, 0.5 - xs[i * c + y[i]] + xs[i * c + j]) ** p;
              l[i] *= w[y[i]] / c;
            }
            return l;
          };
          const out = new Float64Array(n);
          const got = native.multiMarginForward(x, n, c, y, w, p, 0.5, reduction, out);
          const want = ref(x);
          const total = want.reduce((s, v) => s + v, 0);
          expectClose(out, want, 1e-12);
          expectClose([got], [reduction === 'mean' ? total / n : total], 1e-12);
          const grad = reduction === 'none' ? random(Float64Array, n, 8) : new Float64Array([1.5]);
          const dx = new Float64Array(n * c);
          native.multiMarginBackward(x, n, c, y, w, p, 0.5, reduction, grad, dx);
          const objective = () => {
            const l = ref(x);
            const s = l.reduce((a, v, i) => a + v * (reduction === 'none' ? grad[i] : 1), 0);
            return reduction === 'none' ? s : grad[0] * (reduction === 'mean' ? s / n : s);
          };
          for (let q = 0; q < n * c; q++) {
            const keep = x[q];
            x[q] = keep + 1e-7;
            const up = objective();
            x[q] = keep - 1e-7;
            const down = objective();
            x[q] = keep;
            expect(Math.abs(dx[q] - (up - down) / 2e-7)).toBeLessThan(1e-5);
          }
        }
    }
  });

  it('is bit-identical at 1 and 2 threads on inputs big enough to split', () => {
    for (const isa of supportedIsas) {
      native.setIsa(isa);
      const [n, c] = [2000, 300];
      const x = random(Float32Array, n * c, 11);
      const target = new Int32Array(n).map((_, i) => (i % 10 === 0 ? -100 : (i * 13) % c));
      const runs = [1, 2].map((t) => {
        native.setNumThreads(t);
        const y = new Float32Array(n * c);
        native.softmaxForward(true, n, c, 1, x, y);
        const z = new Float32Array(n * c);
        native.softmaxForward(false, 20, 100, 300, x, z);
        const dz = new Float32Array(n * c);
        native.softmaxBackward(false, 20, 100, 300, z, x, dz);
        const loss = new Float64Array([native.crossEntropyForward(x, n, c, target, null, -100, 0.1, 'mean', null, null)]);
        const dl = new Float32Array(n * c);
        native.crossEntropyBackward(x, n, c, target, null, -100, 0.1, 'mean', null, new Float32Array([1]), dl);
        const hinge = new Float64Array([native.multiMarginForward(x, n, c, target.map((v) => Math.max(v, 0)), null, 2, 1, 'sum', null)]);
        return [y, z, dz, loss, dl, hinge];
      });
      runs[0].forEach((a, i) => expect(same(a, runs[1][i])).toBe(true));
    }
  });

  it('refuses bad arguments with errors naming the kernel and the argument', () => {
    const x = new Float32Array(6);
    const y = new Float32Array(6);
    const f = native as unknown as Record<string, (...args: unknown[]) => unknown>;
    expect(() => f.softmaxForward(false, 2, 3, 1, x, new Float32Array(5))).toThrow(/softmaxForward: argument 'y'/);
    expect(() => f.softmaxForward(false, 2, 3, 1, x, new Float64Array(6))).toThrow(/softmaxForward: argument 'y'/);
    expect(() => f.softmaxForward(1, 2, 3, 1, x, y)).toThrow(/softmaxForward: argument 'log' must be a boolean/);
    expect(() => f.softmaxForward(false, -2, 3, 1, x, y)).toThrow(/softmaxForward: argument 'outer' must be >= 0/);
    expect(() => f.softmaxForward(false, 2.5, 3, 1, x, y)).toThrow(/softmaxForward: argument 'outer' must be an integer/);
    expect(() => f.softmaxForward(false, 2 ** 40, 2 ** 40, 1, x, y)).toThrow(/softmaxForward: .*overflow/);
    expect(() => f.softmaxForward(false, 2, 3, 1, new Int32Array(6), y)).toThrow(/softmaxForward: argument 'x' must be a Float32Array or Float64Array/);
    expect(() => f.softmaxBackward(false, 2, 3, 1, x, y)).toThrow(/softmaxBackward: expected 7 arguments, got 6/);
    const ce = (target: unknown, extra: Partial<{ w: unknown; eps: unknown; red: unknown; losses: unknown }> = {}) =>
      f.crossEntropyForward(x, 2, 3, target, extra.w ?? null, -100, extra.eps ?? 0, extra.red ?? 'mean', extra.losses ?? null, null);
    expect(() => ce(new Int32Array([0, 3]))).toThrow(/crossEntropyForward: argument 'target' sample 1 has class 3, expected in \[0, 3\) or ignoreIndex -100/);
    expect(() => ce(new Int32Array([-1, 0]))).toThrow(/sample 0 has class -1/);
    expect(() => ce(new Int32Array([0]))).toThrow(/crossEntropyForward: argument 'target'/);
    expect(() => ce(new Float64Array(6))).toThrow(/crossEntropyForward: argument 'target'/);
    expect(() => ce(new Int32Array([0, 1]), { w: new Float32Array(2) })).toThrow(/crossEntropyForward: argument 'weight'/);
    expect(() => ce(new Int32Array([0, 1]), { eps: 1.5 })).toThrow(/crossEntropyForward: argument 'labelSmoothing' must be in \[0, 1\]/);
    expect(() => ce(new Int32Array([0, 1]), { red: 'avg' })).toThrow(/crossEntropyForward: argument 'reduction' must be 'none', 'sum' or 'mean'/);
    expect(() => ce(new Int32Array([0, 1]), { red: 'none' })).toThrow(/crossEntropyForward: argument 'losses' is required/);
    expect(() => f.crossEntropyBackward(x, 2, 3, new Int32Array([0, 1]), null, -100, 0, 'none', null, new Float32Array(1), y)).toThrow(
      /crossEntropyBackward: argument 'grad'/,
    );
    expect(() => f.multiMarginForward(x, 2, 3, new Int32Array([0, 1]), null, 3, 1, 'sum', null)).toThrow(/multiMarginForward: argument 'p' must be 1 or 2, got 3/);
    expect(() => f.multiMarginForward(x, 2, 3, new Int32Array([0, -100]), null, 1, 1, 'sum', null)).toThrow(
      /multiMarginForward: argument 'target' sample 1 has class -100, expected in \[0, 3\)$/,
    );
    expect(() => f.multiMarginBackward(x, 2, 3, new Int32Array([0, 1]), null, 1, NaN, 'sum', new Float32Array(1), y)).toThrow(
      /multiMarginBackward: argument 'margin' must be finite/,
    );
    const detached = new Float32Array(6);
    structuredClone(detached, { transfer: [detached.buffer] });
    expect(() => f.softmaxForward(false, 2, 3, 1, x, detached)).toThrow(/softmaxForward: argument 'y'/);
  });
});
