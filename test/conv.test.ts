// Conv2d forward, backward-data, backward-weight and bias gradient against a direct float64
// convolution written here, on many shapes, on every ISA path; gradients against central
// differences and PyTorch fixtures; bit-identical output at 1 and 2 threads; bad input.
import * as fs from 'fs';
import * as path from 'path';
import { describe, expect, it } from 'vitest';

import type { Conv2dGeometry } from '../lib/bindings/conv';
import { native } from '../lib/native';
import { bytes, eachIsa, restoreBackendAfterEach, rng } from './helpers';

type FloatArray = Float32Array | Float64Array;
type FloatCtor = Float32ArrayConstructor | Float64ArrayConstructor;

restoreBackendAfterEach();

interface Shape {
  n: number; cin: number; h: number; w: number; cout: number; kh: number; kw: number;
  sh: number; sw: number; pt: number; pb: number; pl: number; pr: number; dh: number; dw: number; groups: number;
}

const outSize = (i: number, k: number, s: number, lo: number, hi: number, d: number) =>
  Math.floor((i + lo + hi - d * (k - 1) - 1) / s) + 1;
const oh = (s: Shape) => outSize(s.h, s.kh, s.sh, s.pt, s.pb, s.dh);
const ow = (s: Shape) => outSize(s.w, s.kw, s.sw, s.pl, s.pr, s.dw);
const geometry = (s: Shape): Conv2dGeometry =>
  [s.n, s.cin, s.h, s.w, s.cout, s.kh, s.kw, s.sh, s.sw, s.pt, s.pb, s.pl, s.pr, s.dh, s.dw, s.groups];
const sizes = (s: Shape) => ({
  x: s.n * s.cin * s.h * s.w,
  w: (s.cout * s.cin * s.kh * s.kw) / s.groups,
  y: s.n * s.cout * oh(s) * ow(s),
});

function shape(p: Partial<Shape>): Shape {
  const base: Shape = { n: 2, cin: 3, h: 9, w: 8, cout: 4, kh: 3, kw: 3, sh: 1, sw: 1, pt: 0, pb: 0, pl: 0, pr: 0, dh: 1, dw: 1, groups: 1 };
  return { ...base, ...p };
}
const pad = (p: number) => ({ pt: p, pb: p, pl: p, pr: p });

// Kernels 1..7, strides 1..3, padding 0..3 (and asymmetric), dilation 1..2, groups 1, 2 and
// depthwise, batch 1, odd sizes, one input channel.
const shapes: Shape[] = [
  shape({ kh: 1, kw: 1 }),
  shape({ kh: 1, kw: 1, sh: 2, sw: 2 }),
  shape({ kh: 1, kw: 1, ...pad(1) }),
  shape({ ...pad(1) }),
  shape({ n: 1, h: 7, w: 7, kh: 5, kw: 5, ...pad(2) }),
  shape({ h: 11, w: 13, kh: 7, kw: 7, ...pad(3) }),
  shape({ h: 17, w: 15, sh: 2, sw: 3, ...pad(1) }),
  shape({ h: 10, w: 11, sh: 3, sw: 3, kh: 5, kw: 3, pt: 0, pb: 3, pl: 2, pr: 1 }),
  shape({ h: 9, w: 9, dh: 2, dw: 2, ...pad(2) }),
  shape({ h: 12, w: 10, kh: 3, kw: 5, dh: 2, dw: 1, sh: 2, sw: 1, pt: 1, pb: 0, pl: 3, pr: 2 }),
  shape({ cin: 4, cout: 6, groups: 2, ...pad(1) }),
  shape({ cin: 4, cout: 4, groups: 4, ...pad(1) }),
  shape({ cin: 5, cout: 5, groups: 5, kh: 5, kw: 5, sh: 2, sw: 2, pt: 2, pb: 1, pl: 0, pr: 3 }),
  shape({ cin: 3, cout: 6, groups: 3, dh: 2, dw: 2, ...pad(2) }),
  shape({ cin: 1, cout: 16, h: 14, w: 14, kh: 5, kw: 5, ...pad(2) }),
  shape({ n: 1, cin: 1, cout: 1, h: 1, w: 1, kh: 1, kw: 1 }),
  shape({ n: 1, cin: 2, cout: 3, h: 1, w: 5, kh: 1, kw: 3, pl: 1, pr: 1 }),
  shape({ n: 3, cin: 7, cout: 5, h: 5, w: 3, kh: 5, kw: 3 }),
  shape({ n: 1, cin: 2, cout: 2, h: 4, w: 4, kh: 3, kw: 3, ...pad(3), sh: 2, sw: 2 }),
  // cin/groups >= 16: backward-data runs as a forward convolution with the rotated kernel
  shape({ n: 2, cin: 16, cout: 8, h: 7, w: 9, ...pad(1) }),
  shape({ n: 1, cin: 32, cout: 16, h: 8, w: 9, dh: 2, dw: 2, pt: 0, pb: 4, pl: 3, pr: 1, groups: 2 }),
  shape({ n: 2, cin: 3, cout: 4, h: 9, w: 1, kh: 3, kw: 1, pt: 1, pb: 1 }),
  // 13 to 64 output channels per group: the indirect tiles (positions x channels)
  shape({ n: 3, cin: 5, cout: 13, h: 10, w: 11, kh: 5, kw: 3, sh: 2, pt: 2, pb: 1, pl: 0, pr: 2, dh: 2 }),
  shape({ n: 2, cin: 16, cout: 32, h: 14, w: 14, kh: 5, kw: 5, ...pad(2) }),
  shape({ n: 1, cin: 32, cout: 32, h: 7, w: 9, ...pad(1) }),
  shape({ n: 2, cin: 4, cout: 64, h: 6, w: 6, groups: 2, pt: 0, pb: 2, pl: 1, pr: 1 }),
];

function random(Ctor: FloatCtor, n: number, seed: number): FloatArray {
  const r = rng(seed);
  const a = new Ctor(n);
  for (let i = 0; i < n; i++) a[i] = r() * 2 - 1;
  return a;
}

// Direct float64 convolution: visits every (image, output channel, output position, tap).
function forEachTap(s: Shape, f: (xi: number, wi: number, yi: number) => void) {
  const [OH, OW] = [oh(s), ow(s)];
  const cg = s.cin / s.groups;
  const mg = s.cout / s.groups;
  for (let b = 0; b < s.n; b++)
    for (let o = 0; o < s.cout; o++) {
      const g = Math.floor(o / mg);
      for (let i = 0; i < OH; i++)
        for (let j = 0; j < OW; j++)
          for (let c = 0; c < cg; c++)
            for (let p = 0; p < s.kh; p++)
              for (let q = 0; q < s.kw; q++) {
                const ih = i * s.sh - s.pt + p * s.dh;
                const iw = j * s.sw - s.pl + q * s.dw;
                if (ih < 0 || ih >= s.h || iw < 0 || iw >= s.w) continue;
                const xi = ((b * s.cin + g * cg + c) * s.h + ih) * s.w + iw;
                const wi = ((o * cg + c) * s.kh + p) * s.kw + q;
                f(xi, wi, ((b * s.cout + o) * OH + i) * OW + j);
              }
    }
}

function refForward(s: Shape, x: ArrayLike<number>, w: ArrayLike<number>, bias: ArrayLike<number> | null) {
  const y = new Float64Array(sizes(s).y);
  const plane = oh(s) * ow(s);
  if (bias) for (let k = 0; k < y.length; k++) y[k] = bias[Math.floor(k / plane) % s.cout];
  forEachTap(s, (xi, wi, yi) => (y[yi] += x[xi] * w[wi]));
  return y;
}
function refBackwardData(s: Shape, dy: ArrayLike<number>, w: ArrayLike<number>) {
  const dx = new Float64Array(sizes(s).x);
  forEachTap(s, (xi, wi, yi) => (dx[xi] += dy[yi] * w[wi]));
  return dx;
}
function refBackwardWeight(s: Shape, x: ArrayLike<number>, dy: ArrayLike<number>) {
  const dw = new Float64Array(sizes(s).w);
  forEachTap(s, (xi, wi, yi) => (dw[wi] += dy[yi] * x[xi]));
  return dw;
}
function refBias(s: Shape, dy: ArrayLike<number>) {
  const db = new Float64Array(s.cout);
  const plane = oh(s) * ow(s);
  for (let k = 0; k < dy.length; k++) db[Math.floor(k / plane) % s.cout] += dy[k];
  return db;
}

function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, tol: number, what: string) {
  expect(got.length, what).toBe(want.length);
  let worst = -1;
  let err = 0;
  for (let i = 0; i < want.length; i++) {
    const e = Math.abs(got[i] - want[i]) / (1 + Math.abs(want[i]));
    if (!(e <= err)) [worst, err] = [i, e];
  }
  expect(err <= tol ? 'ok' : `${what}[${worst}]: got ${got[worst]}, want ${want[worst]}`).toBe('ok');
}

interface Outputs { y: FloatArray; yNoBias: FloatArray; dx: FloatArray; dw: FloatArray; db: FloatArray }

function runAll(Ctor: FloatCtor, s: Shape, x: FloatArray, w: FloatArray, bias: FloatArray, dy: FloatArray): Outputs {
  const n = sizes(s);
  const out: Outputs = {
    y: new Ctor(n.y).fill(NaN), yNoBias: new Ctor(n.y).fill(NaN), dx: new Ctor(n.x).fill(NaN),
    dw: new Ctor(n.w).fill(NaN), db: new Ctor(s.cout).fill(NaN),
  };
  const g = geometry(s);
  native.conv2dForward(x, w, bias, out.y, ...g);
  native.conv2dForward(x, w, null, out.yNoBias, ...g);
  native.conv2dBackwardData(dy, w, out.dx, ...g);
  native.conv2dBackwardWeight(x, dy, out.dw, ...g);
  native.conv2dBackwardBias(dy, out.db, s.n, s.cout, oh(s) * ow(s));
  return out;
}

const describeShape = (s: Shape) => JSON.stringify(s);

describe('conv2d against a direct float64 convolution', () => {
  for (const [Ctor, tol] of [[Float32Array, 2e-5], [Float64Array, 1e-12]] as [FloatCtor, number][]) {
    it(`${Ctor.name}: forward, backward-data, backward-weight, bias on ${shapes.length} shapes, every ISA`, () => {
      for (const [k, s] of shapes.entries()) {
        const n = sizes(s);
        const x = random(Ctor, n.x, 10 + k), w = random(Ctor, n.w, 20 + k);
        const bias = random(Ctor, s.cout, 30 + k), dy = random(Ctor, n.y, 40 + k);
        const want = {
          y: refForward(s, x, w, bias), yNoBias: refForward(s, x, w, null), dx: refBackwardData(s, dy, w),
          dw: refBackwardWeight(s, x, dy), db: refBias(s, dy),
        };
        eachIsa(() => {
          const got = runAll(Ctor, s, x, w, bias, dy);
          for (const key of Object.keys(want) as (keyof Outputs)[])
            expectClose(got[key], want[key], tol, `${native.backendInfo().isa} ${key} ${describeShape(s)}`);
        });
      }
    });
  }

  it('an empty batch writes nothing to y and zeros to the gradients of weight and bias', () => {
    const s = shape({ n: 0 });
    const y = new Float32Array(0);
    const dw = new Float32Array(sizes(s).w).fill(NaN), db = new Float32Array(s.cout).fill(NaN);
    native.conv2dForward(new Float32Array(0), new Float32Array(sizes(s).w), null, y, ...geometry(s));
    native.conv2dBackwardWeight(new Float32Array(0), new Float32Array(0), dw, ...geometry(s));
    native.conv2dBackwardBias(new Float32Array(0), db, 0, s.cout, oh(s) * ow(s));
    expect([...dw, ...db].every((v) => v === 0)).toBe(true);
  });
});

describe('conv2d gradients', () => {
  // L = sum(y * g): dL/dx, dL/dw and dL/db by central differences in float64.
  it('match central differences in float64', () => {
    const cases = [
      shape({ n: 2, cin: 2, cout: 3, h: 5, w: 6, sh: 2, sw: 1, pt: 1, pb: 2, pl: 0, pr: 1, dh: 1, dw: 2 }),
      shape({ n: 1, cin: 4, cout: 2, h: 6, w: 5, groups: 2, kh: 2, kw: 3, ...pad(1) }),
      shape({ n: 2, cin: 3, cout: 3, h: 5, w: 5, groups: 3, ...pad(2), sh: 3, sw: 2 }),
    ];
    for (const [k, s] of cases.entries()) {
      const n = sizes(s);
      const random64 = (len: number, seed: number) => random(Float64Array, len, seed) as Float64Array;
      const x = random64(n.x, 50 + k), w = random64(n.w, 60 + k), bias = random64(s.cout, 70 + k), g = random64(n.y, 80 + k);
      const loss = () => {
        const y = new Float64Array(n.y);
        native.conv2dForward(x, w, bias, y, ...geometry(s));
        return y.reduce((acc, v, i) => acc + v * g[i], 0);
      };
      const numeric = (a: Float64Array) =>
        a.map((_, i) => {
          const keep = a[i];
          const h = 1e-5;
          a[i] = keep + h;
          const up = loss();
          a[i] = keep - h;
          const down = loss();
          a[i] = keep;
          return (up - down) / (2 * h);
        });
      const got = runAll(Float64Array, s, x, w, bias, g);
      expectClose(got.dx, numeric(x), 1e-8, `dx ${describeShape(s)}`);
      expectClose(got.dw, numeric(w), 1e-8, `dw ${describeShape(s)}`);
      expectClose(got.db, numeric(bias), 1e-8, `db ${describeShape(s)}`);
    }
  });

  interface Fixture {
    name: string;
    shape: Shape;
    x: number[]; weight: number[]; bias: number[]; dy: number[];
    y: number[]; dx: number[]; dweight: number[]; dbias: number[];
  }
  const fixtures = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'conv.json'), 'utf8')) as Fixture[];

  it(`match PyTorch on ${fixtures.length} fixtures, fp32 and fp64, every ISA`, () => {
    expect(fixtures.length).toBeGreaterThan(5);
    for (const f of fixtures)
      for (const [Ctor, tol] of [[Float32Array, 2e-5], [Float64Array, 1e-6]] as [FloatCtor, number][]) {
        const s = f.shape;
        eachIsa(() => {
          const got = runAll(Ctor, s, Ctor.from(f.x), Ctor.from(f.weight), Ctor.from(f.bias), Ctor.from(f.dy));
          expectClose(got.y, f.y, tol, `${f.name} y`);
          expectClose(got.dx, f.dx, tol, `${f.name} dx`);
          expectClose(got.dw, f.dweight, tol, `${f.name} dweight`);
          expectClose(got.db, f.dbias, tol, `${f.name} dbias`);
        });
      }
  });
});

describe('conv2d threading', () => {
  // Big enough that images, groups, im2col column chunks and weight-gradient batch chunks
  // are all split across blocks.
  const cases = [
    shape({ n: 16, cin: 16, cout: 32, h: 14, w: 14, kh: 5, kw: 5, ...pad(2) }),
    shape({ n: 3, cin: 32, cout: 24, h: 32, w: 30, ...pad(1) }),
    shape({ n: 1, cin: 64, cout: 64, h: 40, w: 40, ...pad(1) }),
    shape({ n: 4, cin: 32, cout: 32, h: 24, w: 24, groups: 32, ...pad(1) }),
    shape({ n: 9, cin: 24, cout: 16, h: 20, w: 20, kh: 1, kw: 1, groups: 2 }),
  ];
  it('gives bit-identical results at 1 and 2 threads on every ISA', () => {
    for (const [Ctor, name] of [[Float32Array, 'f32'], [Float64Array, 'f64']] as [FloatCtor, string][])
      for (const [k, s] of cases.entries()) {
        const n = sizes(s);
        const x = random(Ctor, n.x, 90 + k), w = random(Ctor, n.w, 91 + k);
        const bias = random(Ctor, s.cout, 92 + k), dy = random(Ctor, n.y, 93 + k);
        eachIsa(() => {
          native.setNumThreads(1);
          const one = runAll(Ctor, s, x, w, bias, dy);
          native.setNumThreads(2);
          const two = runAll(Ctor, s, x, w, bias, dy);
          for (const key of Object.keys(one) as (keyof Outputs)[])
            expect(bytes(two[key]).equals(bytes(one[key])), `${name} ${key} ${describeShape(s)}`).toBe(true);
        });
      }
  });
});

describe('conv2d argument checks', () => {
  const s = shape({});
  const n = sizes(s);
  const f32 = (len: number) => new Float32Array(len);
  const call = (over: Partial<Shape>, arrays: Partial<Record<'x' | 'w' | 'b' | 'y', unknown>> = {}) => () =>
    (native.conv2dForward as (...a: unknown[]) => void)(
      arrays.x ?? f32(n.x), arrays.w ?? f32(n.w), arrays.b === undefined ? null : arrays.b, arrays.y ?? f32(n.y),
      ...geometry({ ...s, ...over }),
    );

  it('names the argument for bad sizes', () => {
    expect(call({ cin: 0 })).toThrow(/conv2dForward: argument 'cin' must be >= 1/);
    expect(call({ sh: 0 })).toThrow(/argument 'strideH' must be >= 1/);
    expect(call({ dw: 0 })).toThrow(/argument 'dilationW' must be >= 1/);
    expect(call({ pl: -1 })).toThrow(/argument 'padLeft' must be >= 0/);
    expect(call({ n: 1.5 })).toThrow(/argument 'n' must be an integer/);
    expect(call({ kh: 2 ** 60 })).toThrow(/argument 'kh' must be an integer/);
    expect(call({ groups: 2 })).toThrow(/argument 'groups' \(2\) must divide cin \(3\) and cout \(4\)/);
    expect(call({ kh: 11 })).toThrow(/output height would be < 1: \(h 9 \+ padTop 0 \+ padBottom 0 - dilationH 1 \* \(kh 11 - 1\) - 1\)/);
    expect(call({ kw: 5, dw: 3 })).toThrow(/output width would be < 1/);
    expect(call({ h: 2 ** 40, w: 2 ** 40, n: 2 ** 40 })).toThrow(RangeError);
  });

  it('names the argument for short, mistyped, mixed or detached buffers', () => {
    expect(call({}, { x: f32(n.x - 1) })).toThrow(/argument 'x' has \d+ elements, needs at least/);
    expect(call({}, { w: f32(n.w - 1) })).toThrow(/argument 'weight'/);
    expect(call({}, { y: f32(n.y - 1) })).toThrow(/argument 'y'/);
    expect(call({}, { b: f32(s.cout - 1) })).toThrow(/argument 'bias'/);
    expect(call({}, { w: new Float64Array(n.w) })).toThrow(/argument 'weight' must be a Float32Array/);
    expect(call({}, { x: new Int32Array(n.x) })).toThrow(/argument 'x' must be a Float32Array or Float64Array/);
    const detached = f32(n.y);
    structuredClone(detached.buffer, { transfer: [detached.buffer] });
    expect(call({}, { y: detached })).toThrow(/argument 'y' is backed by a detached ArrayBuffer/);
    expect(() => (native.conv2dBackwardData as (...a: unknown[]) => void)(f32(n.y), f32(n.w), f32(n.x - 1), ...geometry(s)))
      .toThrow(/conv2dBackwardData: argument 'dx'/);
    expect(() => (native.conv2dBackwardWeight as (...a: unknown[]) => void)(f32(n.x), f32(n.y), f32(n.w - 1), ...geometry(s)))
      .toThrow(/conv2dBackwardWeight: argument 'dweight'/);
    expect(() => native.conv2dBackwardBias(f32(5), f32(2), 1, 2, 3)).toThrow(/conv2dBackwardBias: argument 'dy'/);
    expect(() => (native.conv2dForward as (...a: unknown[]) => void)(f32(n.x))).toThrow(/conv2dForward: expected 20 arguments, got 1/);
  });

  it('conv2dOutputSize gives the formula and refuses sizes below 1', () => {
    expect(native.conv2dOutputSize(28, 5, 1, 2, 2, 1)).toBe(28);
    expect(native.conv2dOutputSize(10, 3, 3, 0, 3, 1)).toBe(4);
    expect(native.conv2dOutputSize(9, 3, 2, 1, 0, 2)).toBe(3);
    expect(() => native.conv2dOutputSize(4, 3, 1, 0, 0, 2)).toThrow(/conv2dOutputSize: output size would be < 1: \(in 4 \+ padLo 0 \+ padHi 0 - dilation 2 \* \(k 3 - 1\) - 1\)/);
  });
});
