// The ConvNet functional ops beyond the op walk (test/ops.test.ts gradchecks them and checks
// them against PyTorch): argument errors, BatchNorm's running statistics against PyTorch
// (fixtures/nnops.json, from gen_nnops.py), max-pool indices, gradients only where needed,
// and dropout (random, so tested here by its statistics and its own mask).
import { readFileSync } from 'fs';
import * as path from 'path';
import { describe, expect, it } from 'vitest';

import * as kiln from '../lib/index';
import type { Tensor } from '../lib/index';

interface BatchNormCase {
  shape: number[];
  momentum: number;
  eps: number;
  weight: number[] | null;
  bias: number[] | null;
  inputs: number[][];
  outputs: number[][];
  runningMean: number[][];
  runningVar: number[][];
  evalInput: number[];
  evalOutput: number[];
}

const fixtures = JSON.parse(readFileSync(path.join(__dirname, 'fixtures', 'nnops.json'), 'utf8')) as { batchNorm: BatchNormCase[] };

function expectClose(actual: ArrayLike<number>, expected: readonly number[], rtol: number, what: string): void {
  expect(actual.length, what).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    if (!(Math.abs(actual[i] - expected[i]) <= rtol * (1 + Math.abs(expected[i])))) {
      throw new Error(`${what}: element ${i} is ${actual[i]}, PyTorch gives ${expected[i]}`);
    }
  }
}

const f64 = (data: number[], shape: number[] = [data.length], requiresGrad = false): Tensor =>
  kiln.tensor(Float64Array.from(data), { shape, dtype: 'float64', requiresGrad });

describe('batchNorm running statistics', () => {
  for (const dtype of ['float64', 'float32'] as const) {
    it(`match PyTorch after each training step, then in evaluation (${dtype})`, () => {
      const rtol = dtype === 'float64' ? 1e-10 : 2e-5;
      for (const c of fixtures.batchNorm) {
        const channels = c.shape[1];
        const make = (d: number[], shape: number[] = [d.length], grad = false) => kiln.tensor(Float64Array.from(d), { shape, dtype, requiresGrad: grad });
        const runningMean = kiln.zeros([channels], { dtype });
        const runningVar = kiln.ones([channels], { dtype });
        const weight = c.weight === null ? null : make(c.weight, [channels], true);
        const bias = c.bias === null ? null : make(c.bias, [channels], true);
        const what = `[${c.shape.join(',')}] ${dtype}`;
        c.inputs.forEach((data, k) => {
          const x = make(data, c.shape, true);
          const versionBefore = runningMean.version;
          const y = kiln.batchNorm(x, runningMean, runningVar, weight, bias, { training: true, momentum: c.momentum, eps: c.eps });
          expect(runningMean.version).toBeGreaterThan(versionBefore);
          expect(runningMean.requiresGrad).toBe(false);
          expect(y.requiresGrad).toBe(true);
          expectClose(y.values(), c.outputs[k], rtol * 10, `${what} output ${k}`);
          expectClose(runningMean.values(), c.runningMean[k], rtol, `${what} runningMean after step ${k}`);
          expectClose(runningVar.values(), c.runningVar[k], rtol, `${what} runningVar after step ${k}`);
        });
        const meanBefore = Array.from(runningMean.values());
        const y = kiln.batchNorm(make(c.evalInput, c.shape), runningMean, runningVar, weight, bias, { eps: c.eps });
        expectClose(y.values(), c.evalOutput, rtol * 10, `${what} evaluation output`);
        expect(Array.from(runningMean.values())).toEqual(meanBefore);
      }
    });
  }

  it('leaves the running statistics alone when none are given in training', () => {
    const x = kiln.randn([4, 3], { dtype: 'float64', generator: new kiln.Generator(3) });
    const y = kiln.batchNorm(x, null, null, null, null, { training: true });
    // Each channel comes out with mean 0 and biased variance 1 (up to eps).
    const cols = y.transpose(0, 1).contiguous().values();
    for (let ch = 0; ch < 3; ch++) {
      const v = Array.from(cols.subarray(ch * 4, ch * 4 + 4));
      const mean = v.reduce((s, a) => s + a, 0) / 4;
      const variance = v.reduce((s, a) => s + (a - mean) ** 2, 0) / 4;
      expect(Math.abs(mean)).toBeLessThan(1e-12);
      expect(variance).toBeCloseTo(1, 4);
    }
  });
});

describe('conv2d gradients', () => {
  it('computes only the gradients whose inputs require grad', () => {
    const g = new kiln.Generator(7);
    // A first layer: the images need no gradient, the weight and bias do.
    const x = kiln.randn([2, 2, 5, 5], { dtype: 'float64', generator: g });
    const w = kiln.randn([3, 2, 3, 3], { dtype: 'float64', generator: g, requiresGrad: true });
    const b = kiln.randn([3], { dtype: 'float64', generator: g, requiresGrad: true });
    kiln.conv2d(x, w, b, { stride: 2 }).sum().backward();
    expect(x.grad).toBeNull();
    expect(w.grad?.shape).toEqual([3, 2, 3, 3]);
    // d sum(y) / d bias = the number of output positions per channel: 2 images x 2 x 2.
    expect(Array.from((b.grad as Tensor).values())).toEqual([8, 8, 8]);
    const z = kiln.noGrad(() => kiln.conv2d(x, w, b));
    expect(z.requiresGrad).toBe(false);
  });

  it('gives the same result for an unbatched input as for a batch of one', () => {
    const g = new kiln.Generator(8);
    const x = kiln.randn([2, 6, 5], { dtype: 'float64', generator: g });
    const w = kiln.randn([4, 2, 3, 2], { dtype: 'float64', generator: g });
    const single = kiln.conv2d(x, w, null, { stride: [2, 1] });
    const batched = kiln.conv2d(x.unsqueeze(0), w, null, { stride: [2, 1] });
    expect(single.shape).toEqual([4, 2, 4]);
    expect(Array.from(single.values())).toEqual(Array.from(batched.values()));
  });
});

describe('a small ConvNet built from the ops', () => {
  it('passes gradcheck end to end (conv, relu, pools, batchNorm, groupNorm, layerNorm)', () => {
    const g = new kiln.Generator(12);
    const p = (shape: number[]) => kiln.randn(shape, { dtype: 'float64', generator: g, requiresGrad: true });
    const inputs = [p([2, 2, 6, 6]), p([4, 2, 3, 3]), p([4]), p([4]), p([4, 2, 3, 3]), p([4])];
    const net = (x: Tensor, w1: Tensor, b1: Tensor, gamma: Tensor, w2: Tensor, b2: Tensor): Tensor => {
      let h = kiln.relu(kiln.conv2d(x, w1, b1, { padding: 1 }));
      h = kiln.maxPool2d(h, 2);
      h = kiln.batchNorm(h, null, null, gamma, null, { training: true });
      h = kiln.conv2d(h, w2, b2, { padding: 'same', groups: 2 });
      h = kiln.groupNorm(kiln.avgPool2d(h, 2, { stride: 1 }), 2);
      return kiln.layerNorm(h.flatten(1), [16]);
    };
    expect(kiln.gradcheck((...xs) => net(...(xs as [Tensor, Tensor, Tensor, Tensor, Tensor, Tensor])), inputs)).toBe(true);
  });
});

describe('layerNorm', () => {
  it('takes a number as a one-dimensional normalizedShape', () => {
    const x = kiln.randn([3, 2, 6], { dtype: 'float64', generator: new kiln.Generator(11) });
    expect(Array.from(kiln.layerNorm(x, 6).values())).toEqual(Array.from(kiln.layerNorm(x, [6]).values()));
  });
});

describe('maxPool2dWithIndices', () => {
  it('returns int32 plane positions of each max, which outlive backward', () => {
    const x = f64([1, 5, 2, 0, 3, 4, 9, 8, 7, 6, -1, 2, 0, 0, 11, 1], [1, 1, 4, 4], true);
    const [y, indices] = kiln.maxPool2dWithIndices(x, 2);
    expect(Array.from(y.values())).toEqual([5, 9, 7, 11]);
    expect(indices.dtype).toBe('int32');
    expect(Array.from(indices.values())).toEqual([1, 6, 8, 14]);
    y.sum().backward();
    expect(Array.from((x.grad as Tensor).values())).toEqual([0, 1, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 1, 0]);
    expect(indices.disposed).toBe(false);
    expect(Array.from(indices.values())).toEqual([1, 6, 8, 14]);
  });

  it('returns the indices in no-grad mode too', () => {
    const x = f64([3, 1, 2, 4], [1, 1, 2, 2]);
    const [y, indices] = kiln.noGrad(() => kiln.maxPool2dWithIndices(x, 2));
    expect(y.item()).toBe(4);
    expect(indices.item()).toBe(3);
  });
});

describe('argument errors name the op and the values', () => {
  const x = kiln.zeros([2, 4, 6, 6]);
  const cases: [string, () => unknown, RegExp][] = [
    ['conv2d groups', () => kiln.conv2d(x, kiln.zeros([6, 2, 3, 3]), null, { groups: 3 }), /conv2d: input channels 4 and output channels 6 must both be divisible by groups 3/],
    ['conv2d weight channels', () => kiln.conv2d(x, kiln.zeros([6, 3, 3, 3])), /conv2d: weight \[6, ?3, ?3, ?3\] with groups 1 expects 3 input channels, got input \[2, ?4, ?6, ?6\]/],
    ['conv2d bias', () => kiln.conv2d(x, kiln.zeros([6, 4, 3, 3]), kiln.zeros([5])), /conv2d: bias must have shape \[6\], got \[5\]/],
    ['conv2d too small', () => kiln.conv2d(x, kiln.zeros([6, 4, 7, 7])), /conv2d: input \[2, ?4, ?6, ?6\] padded by \[0, 0, 0, 0\] is smaller than the dilated kernel/],
    ['conv2d same stride', () => kiln.conv2d(x, kiln.zeros([6, 4, 3, 3]), null, { padding: 'same', stride: 2 }), /conv2d: padding 'same' needs stride 1/],
    ['conv2d rank', () => kiln.conv2d(kiln.zeros([4, 6]), kiln.zeros([6, 4, 3, 3])), /conv2d: input must be \[N, C, H, W\] or \[C, H, W\], got shape \[4, ?6\]/],
    ['conv2d dtype', () => kiln.conv2d(x, kiln.zeros([6, 4, 3, 3], { dtype: 'float64' })), /conv2d: weight is float64 but the input is float32/],
    ['conv2d int', () => kiln.conv2d(kiln.zeros([1, 1, 3, 3], { dtype: 'int32' }), kiln.zeros([1, 1, 1, 1])), /conv2d: input must be float32 or float64, got int32/],
    ['conv2d stride', () => kiln.conv2d(x, kiln.zeros([6, 4, 3, 3]), null, { stride: 0 }), /conv2d: stride must be an integer >= 1/],
    ['conv2d padding', () => kiln.conv2d(x, kiln.zeros([6, 4, 3, 3]), null, { padding: [1, -1, 0, 0] }), /conv2d: padding must be integers >= 0/],
    ['maxPool2d padding', () => kiln.maxPool2d(x, 2, { padding: 2 }), /maxPool2d: input \[2, ?4, ?6, ?6\], height: argument 'padding' \(2\) must be at most half of 'kernel' \(2\)/],
    ['maxPool2d too small', () => kiln.maxPool2d(x, [7, 2]), /maxPool2d: input \[2, ?4, ?6, ?6\], height: output size would be 0/],
    ['maxPool2d kernel', () => kiln.maxPool2d(x, 0), /maxPool2d: kernelSize must be an integer >= 1/],
    ['avgPool2d rank', () => kiln.avgPool2d(kiln.zeros([6, 6]), 2), /avgPool2d: input must be \[N, C, H, W\] or \[C, H, W\], got shape \[6, ?6\]/],
    ['avgPool2d divisor', () => kiln.avgPool2d(x, 2, { divisorOverride: 0 }), /avgPool2d: divisorOverride must be a nonzero integer, got 0/],
    ['adaptiveAvgPool2d size', () => kiln.adaptiveAvgPool2d(x, [0, 2]), /adaptiveAvgPool2d: outputSize must be an integer >= 1/],
    ['batchNorm eval', () => kiln.batchNorm(x, null, null, null, null), /batchNorm: runningMean and runningVar are required in evaluation mode/],
    ['batchNorm weight', () => kiln.batchNorm(x, null, null, kiln.ones([3]), null, { training: true }), /batchNorm: weight must have shape \[4\], got \[3\]/],
    ['batchNorm one value', () => kiln.batchNorm(kiln.zeros([1, 4]), null, null, null, null, { training: true }), /batchNorm: expected more than 1 value per channel when training, got input \[1, ?4\]/],
    ['batchNorm momentum', () => kiln.batchNorm(x, null, null, null, null, { training: true, momentum: 2 }), /batchNorm: momentum must be in \[0, 1\], got 2/],
    ['layerNorm shape', () => kiln.layerNorm(x, [5, 6]), /layerNorm: normalizedShape \[5, ?6\] does not match the trailing dimensions of input \[2, ?4, ?6, ?6\]/],
    ['layerNorm weight', () => kiln.layerNorm(x, [6], kiln.ones([5])), /layerNorm: weight must have shape \[6\], got \[5\]/],
    ['groupNorm groups', () => kiln.groupNorm(x, 3), /groupNorm: channels 4 of input \[2, ?4, ?6, ?6\] are not divisible by numGroups 3/],
    ['dropout p', () => kiln.dropout(x, 1.5), /dropout: p must be in \[0, 1\], got 1.5/],
    ['dropout int', () => kiln.dropout(kiln.zeros([3], { dtype: 'int32' })), /dropout: input must be float32 or float64, got int32/],
  ];
  for (const [name, fn, message] of cases) it(name, () => expect(fn).toThrow(message));
});

describe('dropout', () => {
  const p = 0.3;
  const n = 20000;

  it('zeroes a fraction p and scales the kept elements by 1 / (1 - p)', () => {
    const x = kiln.rand([n], { low: 1, high: 2, generator: new kiln.Generator(1) });
    const y = kiln.dropout(x, p, true, new kiln.Generator(42));
    const xv = x.values();
    const yv = y.values();
    let zeros = 0;
    for (let i = 0; i < n; i++) {
      if (yv[i] === 0) zeros++;
      else expect(Math.abs(yv[i] - xv[i] / (1 - p))).toBeLessThan(1e-6 * yv[i]);
    }
    // Binomial(n, p): standard deviation sqrt(n p (1 - p)) ~ 65; allow 5 of them.
    expect(Math.abs(zeros - n * p)).toBeLessThan(5 * Math.sqrt(n * p * (1 - p)));
  });

  it('has gradient mask * 1 / (1 - p)', () => {
    const x = kiln.rand([4, 500], { low: 1, high: 2, dtype: 'float64', generator: new kiln.Generator(2), requiresGrad: true });
    const y = kiln.dropout(x, p, true, new kiln.Generator(5));
    const g = kiln.rand([4, 500], { dtype: 'float64', generator: new kiln.Generator(3) });
    y.backward(g);
    const dx = (x.grad as Tensor).values();
    const [xv, yv, gv] = [x.values(), y.values(), g.values()];
    for (let i = 0; i < xv.length; i++) {
      const mask = yv[i] === 0 ? 0 : 1 / (1 - p);
      expect(Math.abs(dx[i] - gv[i] * mask)).toBeLessThan(1e-12);
    }
  });

  it('draws the same mask from the same seed, and a new one from the next draw', () => {
    const x = kiln.ones([1000]);
    const a = kiln.dropout(x, 0.5, true, new kiln.Generator(9)).values();
    const gen = new kiln.Generator(9);
    const b = kiln.dropout(x, 0.5, true, gen).values();
    const c = kiln.dropout(x, 0.5, true, gen).values();
    expect(Array.from(b)).toEqual(Array.from(a));
    expect(Array.from(c)).not.toEqual(Array.from(a));
    // The global generator is seeded by manualSeed.
    kiln.manualSeed(123);
    const d = kiln.dropout(x, 0.5).values();
    kiln.manualSeed(123);
    expect(Array.from(kiln.dropout(x, 0.5).values())).toEqual(Array.from(d));
  });

  it('is the identity in evaluation and for p = 0, and zeroes everything for p = 1', () => {
    const x = kiln.randn([3, 4], { requiresGrad: true, generator: new kiln.Generator(4) });
    expect(kiln.dropout(x, 0.5, false)).toBe(x);
    expect(kiln.dropout(x, 0)).toBe(x);
    const y = kiln.dropout(x, 1);
    expect(Array.from(y.values()).every((v) => v === 0)).toBe(true);
    y.sum().backward();
    expect(Array.from((x.grad as Tensor).values()).every((v) => v === 0)).toBe(true);
  });

  it('takes non-contiguous float64 input', () => {
    const x = kiln.rand([6, 8], { low: 1, high: 2, dtype: 'float64', generator: new kiln.Generator(6) }).transpose(0, 1);
    const y = kiln.dropout(x, 0.5, true, new kiln.Generator(10));
    expect(y.shape).toEqual([8, 6]);
    const [xv, yv] = [x.contiguous().values(), y.values()];
    for (let i = 0; i < xv.length; i++) expect(yv[i] === 0 || yv[i] === 2 * xv[i]).toBe(true);
  });
});
