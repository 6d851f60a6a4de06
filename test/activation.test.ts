// Fused activation bindings against float64 reference formulas written here, and the
// backward pass against float64 central differences, on every ISA path. Tolerances
// (|dy| <= 1): float64 rtol 1e-13 + atol 1e-14; float32 forward rtol 2e-6 + atol 1e-7,
// backward rtol 1e-5 + atol 2e-6 (1 + tanh and 1 - y^2 cancel; sigmoid/tanh read y).
import { describe, expect, it } from 'vitest';

import { native } from '../lib/native';
import { eachIsa, restoreBackendAfterEach, rng } from './helpers';

type Kind = keyof typeof native.activationKinds;
interface Case {
  kind: Kind;
  p0: number;
  p1: number;
}

restoreBackendAfterEach();



// erf to ~1e-15: e^-x^2 * sum 2^n x^(2n+1) / (1*3*...*(2n+1)) has only positive terms.
function erf(x: number): number {
  if (Math.abs(x) > 6) return Math.sign(x);
  let term = x;
  let sum = x;
  for (let n = 1; n < 500 && Math.abs(term) > 1e-17 * Math.abs(sum); n++) {
    term *= (2 * x * x) / (2 * n + 1);
    sum += term;
  }
  return (2 / Math.sqrt(Math.PI)) * Math.exp(-x * x) * sum;
}

const K0 = Math.sqrt(2 / Math.PI);
function forwardRef(c: Case, x: number): number {
  switch (c.kind) {
    case 'relu': return x > 0 ? x : 0;
    case 'leakyRelu': return x > 0 ? x : c.p0 * x;
    case 'elu': return x > 0 ? x : c.p0 * Math.expm1(x);
    case 'geluTanh': return 0.5 * x * (1 + Math.tanh(K0 * (x + 0.044715 * x ** 3)));
    case 'geluErf': return 0.5 * x * (1 + erf(x / Math.SQRT2));
    case 'sigmoid': return 1 / (1 + Math.exp(-x));
    case 'tanh': return Math.tanh(x);
    case 'softplus': return c.p0 * x > c.p1 ? x : Math.log1p(Math.exp(c.p0 * x)) / c.p0;
    case 'heaviside': return x === 0 ? c.p0 : x > 0 ? 1 : 0;
  }
}

function derivativeRef(c: Case, x: number): number {
  switch (c.kind) {
    case 'relu': return x > 0 ? 1 : 0;
    case 'leakyRelu': return x > 0 ? 1 : c.p0;
    case 'elu': return x > 0 ? 1 : c.p0 * Math.exp(x);
    case 'geluTanh': {
      const t = Math.tanh(K0 * (x + 0.044715 * x ** 3));
      return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * K0 * (1 + 3 * 0.044715 * x * x);
    }
    case 'geluErf': return 0.5 * (1 + erf(x / Math.SQRT2)) + (x * Math.exp(-0.5 * x * x)) / Math.sqrt(2 * Math.PI);
    case 'sigmoid': { const s = 1 / (1 + Math.exp(-x)); return s * (1 - s); }
    case 'tanh': return 1 - Math.tanh(x) ** 2;
    case 'softplus': return c.p0 * x > c.p1 ? 1 : 1 / (1 + Math.exp(-c.p0 * x));
    case 'heaviside': return 0;
  }
}

const cases: Case[] = [
  { kind: 'relu', p0: 0, p1: 0 },
  { kind: 'leakyRelu', p0: 0.01, p1: 0 },
  { kind: 'leakyRelu', p0: -0.3, p1: 0 },
  { kind: 'elu', p0: 1, p1: 0 },
  { kind: 'elu', p0: 0.5, p1: 0 },
  { kind: 'geluTanh', p0: 0, p1: 0 },
  { kind: 'geluErf', p0: 0, p1: 0 },
  { kind: 'sigmoid', p0: 0, p1: 0 },
  { kind: 'tanh', p0: 0, p1: 0 },
  { kind: 'softplus', p0: 1, p1: 20 },
  { kind: 'softplus', p0: 2.5, p1: 3 },
  { kind: 'heaviside', p0: 0.5, p1: 0 },
];

function close(got: number, want: number, rtol: number, atol: number): boolean {
  if (Number.isNaN(want) || !Number.isFinite(want)) return Object.is(got, want) || got === want;
  return Math.abs(got - want) <= atol + rtol * Math.abs(want);
}

function expectAllClose(got: ArrayLike<number>, want: (i: number) => number, rtol: number, atol: number, what: string): void {
  for (let i = 0; i < got.length; i++) {
    if (!close(got[i]!, want(i), rtol, atol)) expect(got[i], `${what} at ${i}`).toBe(want(i));
  }
}

describe('activations', () => {
  it('exports a frozen kind table', () => {
    expect(Object.isFrozen(native.activationKinds)).toBe(true);
    expect(Object.keys(native.activationKinds)).toEqual(['relu', 'leakyRelu', 'elu', 'geluTanh', 'geluErf', 'sigmoid', 'tanh', 'softplus', 'heaviside']);
  });

  for (const [name, Ctor, tol] of [
    ['float64', Float64Array, { fr: 1e-13, fa: 1e-14, br: 1e-13, ba: 1e-14 }],
    ['float32', Float32Array, { fr: 2e-6, fa: 1e-7, br: 1e-5, ba: 2e-6 }],
  ] as const) {
    it(`${name} forward and backward match the reference formulas at sizes 0..100000`, () => {
      eachIsa(() => {
        const rand = rng(1);
        for (const c of cases) {
          for (const n of [0, 1, 7, 17, 129, 1023, 100000]) {
            const x = new Ctor(n).map(() => -8 + 16 * rand());
            const dy = new Ctor(n).map(() => -1 + 2 * rand());
            if (n > 3) { x[1] = 0; x[2] = -0; }
            const y = new Ctor(n);
            const dx = new Ctor(n);
            const k = native.activationKinds[c.kind];
            if (x instanceof Float64Array) {
              native.activationForward(k, x, y as Float64Array, n, c.p0, c.p1);
              native.activationBackward(k, x, y as Float64Array, dy as Float64Array, dx as Float64Array, n, c.p0, c.p1);
            } else {
              native.activationForward(k, x, y as Float32Array, n, c.p0, c.p1);
              native.activationBackward(k, x, y as Float32Array, dy as Float32Array, dx as Float32Array, n, c.p0, c.p1);
            }
            expectAllClose(y, (i) => forwardRef(c, x[i]!), tol.fr, tol.fa, `${c.kind} forward`);
            expectAllClose(dx, (i) => dy[i]! * derivativeRef(c, x[i]!), tol.br, tol.ba, `${c.kind} backward`);
          }
        }
      });
    });
  }

  it('backward matches float64 central differences of the forward', () => {
    eachIsa(() => {
      const rand = rng(2);
      const h = 1e-6;
      const n = 500;
      for (const c of cases) {
        const x = new Float64Array(n).map(() => {
          const v = -6 + 12 * rand();
          // Keep clear of the kinks (0, softplus's threshold), where the difference is one-sided.
          return Math.abs(v) < 1e-3 || Math.abs(c.p0 * v - c.p1) < 1e-3 * Math.abs(c.p0) ? v + 0.01 : v;
        });
        const fwd = (input: Float64Array): Float64Array => {
          const out = new Float64Array(n);
          native.activationForward(native.activationKinds[c.kind], input, out, n, c.p0, c.p1);
          return out;
        };
        const y = fwd(x);
        const yp = fwd(x.map((v) => v + h));
        const ym = fwd(x.map((v) => v - h));
        const dx = new Float64Array(n);
        native.activationBackward(native.activationKinds[c.kind], x, y, new Float64Array(n).fill(1), dx, n, c.p0, c.p1);
        expectAllClose(dx, (i) => (yp[i]! - ym[i]!) / (2 * h), 1e-6, 1e-8, `${c.kind} numerical derivative`);
      }
    });
  });

  it('uses PyTorch values at the kinks and saturates at the extremes', () => {
    eachIsa(() => {
      const k = native.activationKinds;
      const grad = (kind: number, p0: number, p1: number, values: number[]): { y: number[]; dx: number[] } => {
        const x = new Float32Array(values);
        const y = new Float32Array(values.length);
        const dx = new Float32Array(values.length);
        native.activationForward(kind, x, y, x.length, p0, p1);
        native.activationBackward(kind, x, y, new Float32Array(values.length).fill(1), dx, x.length, p0, p1);
        return { y: Array.from(y), dx: Array.from(dx) };
      };
      expect(grad(k.relu, 0, 0, [0, -0]).dx).toEqual([0, 0]);
      expect(grad(k.leakyRelu, 0.25, 0, [0]).dx).toEqual([0.25]);
      expect(grad(k.elu, 0.5, 0, [0]).dx).toEqual([0.5]);
      expect(grad(k.geluErf, 0, 0, [0]).dx).toEqual([0.5]);
      expect(grad(k.heaviside, 0.5, 0, [0, -0, 2, -2, NaN])).toEqual({ y: [0.5, 0.5, 1, 0, 0], dx: [0, 0, 0, 0, 0] });
      const ext = [-Infinity, Infinity, NaN, -100, 100];
      expect(grad(k.sigmoid, 0, 0, ext).y.map((v) => (v < 1e-40 && v >= 0 ? 0 : v))).toEqual([0, 1, NaN, 0, 1]);
      expect(grad(k.tanh, 0, 0, ext)).toEqual({ y: [-1, 1, NaN, -1, 1], dx: [0, 0, NaN, 0, 0] });
      const sp = grad(k.softplus, 1, 20, ext);
      expect([sp.y[0], sp.y[1], sp.y[4]]).toEqual([0, Infinity, 100]);
      expect(Number.isNaN(sp.y[2])).toBe(true);
      expect([sp.dx[0], sp.dx[1], sp.dx[4]]).toEqual([0, 1, 1]);
      // Without a threshold softplus still neither overflows nor loses the linear regime.
      expect(grad(k.softplus, 1, 1e9, [100]).y).toEqual([100]);
      expect(grad(k.relu, 0, 0, [NaN, -Infinity, Infinity]).y).toEqual([NaN, 0, Infinity]);
      // ReLU's backward passes dy where x > 0 and is +0 elsewhere, whatever dy (PyTorch's
      // threshold_backward), not dy * 0 (-0 for dy < 0, NaN for dy = inf or NaN).
      const rx = new Float32Array([-1, 0, -2, 3, -3, NaN]);
      const rdy = new Float32Array([-5, -1, Infinity, -2, NaN, 1]);
      const rdx = new Float32Array(rx.length);
      native.activationBackward(k.relu, rx, new Float32Array(rx.length), rdy, rdx, rx.length, 0, 0);
      expect(Array.from(rdx)).toEqual([0, 0, 0, -2, 0, 0]);
      expect(Object.is(rdx[0], 0) && Object.is(rdx[1], 0)).toBe(true);
      expect(grad(k.elu, 1, 0, [-Infinity, -100]).y).toEqual([-1, -1]);
    });
  });

  it('runs in place (y = x forward, dx = dy backward)', () => {
    const x = new Float64Array([-2, -0.5, 0.5, 2]);
    const ref = x.map((v) => 1 / (1 + Math.exp(-v)));
    const y = Float64Array.from(x);
    native.activationForward(native.activationKinds.sigmoid, y, y, 4, 0, 0);
    expectAllClose(y, (i) => ref[i]!, 1e-15, 0, 'in-place forward');
    const d = new Float64Array([1, 2, 3, 4]);
    native.activationBackward(native.activationKinds.sigmoid, x, y, d, d, 4, 0, 0);
    expectAllClose(d, (i) => (i + 1) * ref[i]! * (1 - ref[i]!), 1e-15, 0, 'in-place backward');
  });

  it('gives bit-identical results with 1 and 2 threads', () => {
    eachIsa(() => {
      const rand = rng(4);
      const n = 100003;
      const x = new Float32Array(n).map(() => -10 + 20 * rand());
      const dy = new Float32Array(n).map(() => -1 + 2 * rand());
      for (const c of cases) {
        const bytes: Buffer[] = [];
        for (const threads of [1, 2]) {
          native.setNumThreads(threads);
          const y = new Float32Array(n);
          const dx = new Float32Array(n);
          native.activationForward(native.activationKinds[c.kind], x, y, n, c.p0, c.p1);
          native.activationBackward(native.activationKinds[c.kind], x, y, dy, dx, n, c.p0, c.p1);
          bytes.push(Buffer.concat([Buffer.from(y.buffer), Buffer.from(dx.buffer)]));
        }
        expect(bytes[0]!.equals(bytes[1]!), c.kind).toBe(true);
      }
    });
  });

  it('throws errors naming the kernel and the argument', () => {
    const f = new Float32Array(4);
    const d = new Float64Array(4);
    const fwd = native.activationForward as unknown as (...a: unknown[]) => void;
    const bwd = native.activationBackward as unknown as (...a: unknown[]) => void;
    const relu = native.activationKinds.relu;
    expect(() => fwd(relu, f, f, 4, 0)).toThrow(/activationForward: expected 6 arguments, got 5/);
    expect(() => fwd(9, f, f, 4, 0, 0)).toThrow(/activationForward: argument 'kind' must be an activation kind code \(0..8\), got 9/);
    expect(() => fwd(relu, f, f, 5, 0, 0)).toThrow(/activationForward: argument 'x' has 4 elements, needs at least 5/);
    expect(() => fwd(relu, f, d, 4, 0, 0)).toThrow(/activationForward: argument 'y' must be a Float32Array, got Float64Array/);
    expect(() => fwd(relu, new Int32Array(4), f, 4, 0, 0)).toThrow(/activationForward: argument 'x' must be a Float32Array or Float64Array, got Int32Array/);
    expect(() => fwd(relu, f, f, -1, 0, 0)).toThrow(/activationForward: argument 'n' must be >= 0, got -1/);
    expect(() => fwd(relu, f, f, 1.5, 0, 0)).toThrow(/activationForward: argument 'n' must be an integer/);
    expect(() => fwd(native.activationKinds.elu, f, f, 4, NaN, 0)).toThrow(/activationForward: argument 'p0' must be finite for elu/);
    expect(() => fwd(native.activationKinds.softplus, f, f, 4, 0, 20)).toThrow(/activationForward: argument 'p0' \(softplus beta\) must be nonzero/);
    expect(() => fwd(relu, f, f, 4, 'a', 0)).toThrow(/activationForward: argument 'p0' must be a number, got string/);
    expect(() => bwd(relu, f, f, f, f, 4, 0)).toThrow(/activationBackward: expected 8 arguments, got 7/);
    expect(() => bwd(relu, f, f, new Float32Array(3), f, 4, 0, 0)).toThrow(/activationBackward: argument 'dy' has 3 elements, needs at least 4/);
    const gone = new Float32Array(4);
    structuredClone(gone, { transfer: [gone.buffer] });
    expect(() => bwd(relu, f, f, f, gone, 4, 0, 0)).toThrow(/activationBackward: argument 'dx' is backed by a detached ArrayBuffer/);
  });
});
