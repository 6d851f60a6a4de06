// The losses beyond the op walk (test/ops.test.ts gradchecks them and compares random samples
// with PyTorch): the edges of test/fixtures/losses.json (gen_losses.py), per-element float64
// references written from the formulas, how the reductions relate, weights without gradients,
// and the errors.
import { readFileSync } from 'fs';
import * as path from 'path';
import { describe, expect, it } from 'vitest';

import * as kiln from '../lib/index';
import type { Tensor } from '../lib/index';
import { rng } from './rng';

type Options = Record<string, unknown>;
type Loss = (input: Tensor, target: Tensor, options?: Options) => Tensor;

const losses: Record<string, Loss> = {
  crossEntropy: kiln.crossEntropy as Loss,
  nllLoss: kiln.nllLoss as Loss,
  multiMarginLoss: kiln.multiMarginLoss as Loss,
  mseLoss: kiln.mseLoss as Loss,
  l1Loss: kiln.l1Loss as Loss,
  huberLoss: kiln.huberLoss as Loss,
  bceLoss: kiln.bceLoss as Loss,
  bceWithLogitsLoss: kiln.bceWithLogitsLoss as Loss,
};

interface EdgeCase {
  name: string;
  loss: string;
  input: { shape: number[]; data: (number | string)[] };
  target: { shape: number[]; data: number[]; int: boolean };
  options: Options;
  output: { shape: number[]; data: (number | string)[] };
  grad?: (number | string)[];
}

const edges = (JSON.parse(readFileSync(path.join(__dirname, 'fixtures', 'losses.json'), 'utf8')) as { cases: EdgeCase[] }).cases;

const decode = (v: number | string): number => (typeof v === 'number' ? v : Number(v));

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rtol: number, what: string): void {
  expect(actual.length, what).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const [a, e] = [actual[i], expected[i]];
    const ok = Number.isNaN(e) ? Number.isNaN(a) : a === e || Math.abs(a - e) <= rtol * (1 + Math.abs(e));
    if (!ok) throw new Error(`${what}: element ${i} is ${a}, expected ${e}`);
  }
}

/** Options with weight arrays as tensors of `dtype`. */
function withTensors(options: Options, dtype: 'float32' | 'float64'): Options {
  const out: Options = {};
  for (const [k, v] of Object.entries(options)) out[k] = Array.isArray(v) ? kiln.tensor(v as number[], { dtype }) : v;
  return out;
}

describe("edge cases against PyTorch's values (losses.json)", () => {
  for (const c of edges) {
    it(c.name, () => {
      for (const dtype of ['float64', 'float32'] as const) {
        const x = kiln.tensor(c.input.data.map(decode), { shape: c.input.shape, dtype, requiresGrad: true });
        const t = kiln.tensor(c.target.data, { shape: c.target.shape, dtype: c.target.int ? 'int32' : dtype });
        const out = losses[c.loss](x, t, withTensors(c.options, dtype));
        const rtol = dtype === 'float64' ? 1e-12 : 1e-6;
        expect(out.shape).toEqual(c.output.shape);
        expectClose(out.data(), c.output.data.map(decode), rtol, `${c.name} ${dtype} output`);
        if (c.grad === undefined) continue;
        const [g] = kiln.grad(kiln.sum(out), [x]);
        expectClose((g as Tensor).data(), c.grad.map(decode), rtol, `${c.name} ${dtype} gradient`);
      }
    });
  }

});

// ---- float64 references, one loss value per element, from the formulas -------------------

const random = rng(5);
const uniform = (n: number, lo: number, hi: number): number[] => Array.from({ length: n }, () => lo + (hi - lo) * random());
const classIndices = (n: number, c: number): number[] => Array.from({ length: n }, () => Math.floor(random() * c));

interface ElementwiseCase {
  loss: string;
  options: Options;
  domain: [number, number];
  /** The loss of one element with the element's weight (1 when none). */
  ref: (x: number, t: number, i: number) => number;
}

const N = 6;
const C = 5;
const rowWeight = uniform(N, 0.5, 2);
const posWeight = uniform(C, 0.5, 3);
const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));
const elementwise: ElementwiseCase[] = [
  { loss: 'mseLoss', options: {}, domain: [-2, 2], ref: (x, t) => (x - t) ** 2 },
  { loss: 'l1Loss', options: {}, domain: [-2, 2], ref: (x, t) => Math.abs(x - t) },
  { loss: 'huberLoss', options: { delta: 0.7 }, domain: [-2, 2], ref: (x, t) => (Math.abs(x - t) <= 0.7 ? 0.5 * (x - t) ** 2 : 0.7 * (Math.abs(x - t) - 0.35)) },
  { loss: 'bceLoss', options: { weight: rowWeight.map((w) => [w]) }, domain: [0.01, 0.99], ref: (x, t, i) => -rowWeight[Math.floor(i / C)] * (t * Math.log(x) + (1 - t) * Math.log(1 - x)) },
  {
    loss: 'bceWithLogitsLoss',
    options: { posWeight },
    domain: [-6, 6],
    ref: (x, t, i) => -(posWeight[i % C] * t * Math.log(sigmoid(x)) + (1 - t) * Math.log(1 - sigmoid(x))),
  },
];

describe('elementwise losses match float64 references and reduce as documented', () => {
  for (const c of elementwise) {
    it(c.loss, () => {
      const xs = uniform(N * C, c.domain[0], c.domain[1]);
      const ts = c.loss.startsWith('bce') ? uniform(N * C, 0, 1) : uniform(N * C, -2, 2);
      const x = kiln.tensor(xs, { shape: [N, C], dtype: 'float64' });
      const t = kiln.tensor(ts, { shape: [N, C], dtype: 'float64' });
      const options = withTensors(c.options, 'float64');
      const want = xs.map((v, i) => c.ref(v, ts[i], i));
      const total = want.reduce((a, b) => a + b, 0);
      const fn = losses[c.loss];
      expectClose(fn(x, t, { ...options, reduction: 'none' }).data(), want, 1e-12, `${c.loss} none`);
      expectClose(fn(x, t, { ...options, reduction: 'sum' }).data(), [total], 1e-12, `${c.loss} sum`);
      expectClose(fn(x, t, options).data(), [total / (N * C)], 1e-12, `${c.loss} mean (default)`);
    });
  }
});

describe('class-index losses', () => {
  const x = kiln.tensor(uniform(N * C, -3, 3), { shape: [N, C], dtype: 'float64' });
  const xv = x.data();
  const y = classIndices(N, C);
  y[2] = -100;
  const target = kiln.tensor(y, { dtype: 'int32' });
  const w = uniform(C, 0.2, 2);
  const weight = kiln.tensor(w, { dtype: 'float64' });

  it("nllLoss: -weight[y] logProbs[y] per sample; 'mean' divides by the kept samples' weights", () => {
    const kept = y.map((v, i) => [v, i]).filter(([v]) => v !== -100);
    const want = y.map((v, i) => (v === -100 ? 0 : -w[v] * xv[i * C + v]));
    const total = want.reduce((a, b) => a + b, 0);
    expectClose(kiln.nllLoss(x, target, { weight, reduction: 'none' }).data(), want, 1e-12, 'none');
    expectClose(kiln.nllLoss(x, target, { weight, reduction: 'sum' }).data(), [total], 1e-12, 'sum');
    expectClose(kiln.nllLoss(x, target, { weight }).data(), [total / kept.reduce((a, [v]) => a + w[v], 0)], 1e-12, 'mean');
  });

  it('crossEntropy equals nllLoss of logSoftmax, also for [N, C, d] inputs', () => {
    const x3 = kiln.tensor(uniform(2 * C * 3, -3, 3), { shape: [2, C, 3], dtype: 'float64' });
    const y3 = kiln.tensor([[0, 4, -100], [2, 2, 1]], { dtype: 'int32' });
    for (const reduction of ['mean', 'sum', 'none'] as const) {
      expectClose(kiln.crossEntropy(x, target, { weight, reduction }).data(), kiln.nllLoss(kiln.logSoftmax(x, 1), target, { weight, reduction }).data(), 1e-12, reduction);
      const ce = kiln.crossEntropy(x3, y3, { weight, reduction });
      expect(ce.shape).toEqual(reduction === 'none' ? [2, 3] : []);
      expectClose(ce.data(), kiln.nllLoss(kiln.logSoftmax(x3, 1), y3, { weight, reduction }).data(), 1e-12, `[N, C, d] ${reduction}`);
    }
  });

  it('crossEntropy with probabilities: -sum_c weight_c p_c log softmax(x)_c, mean over samples; the target gets a gradient', () => {
    const p = kiln.softmax(kiln.tensor(uniform(N * C, -2, 2), { shape: [N, C], dtype: 'float64' }), 1).requiresGrad_();
    const eps = 0.15;
    const smoothed = kiln.add(kiln.mul(p, 1 - eps), eps / C);
    const want = kiln.neg(kiln.sum(kiln.mul(kiln.mul(smoothed, weight), kiln.logSoftmax(x, 1)), [1]));
    const got = kiln.crossEntropy(x, p, { weight, labelSmoothing: eps, reduction: 'none' });
    expectClose(got.data(), want.data(), 1e-12, 'none');
    expectClose(kiln.crossEntropy(x, p, { weight, labelSmoothing: eps }).data(), [kiln.mean(want).item()], 1e-12, 'mean');
    const [gotGrad] = kiln.grad(kiln.crossEntropy(x, p, { weight, labelSmoothing: eps }), [p]);
    const [wantGrad] = kiln.grad(kiln.mean(want), [p]);
    expectClose((gotGrad as Tensor).data(), (wantGrad as Tensor).data(), 1e-12, 'target gradient');
  });

  it("multiMarginLoss times C is the lecture's multiclass SVM loss sum_{j != y} max(0, s_j - s_y + 1)", () => {
    const yy = classIndices(N, C);
    const svm = yy.map((yi, i) => {
      let s = 0;
      for (let j = 0; j < C; j++) if (j !== yi) s += Math.max(0, xv[i * C + j] - xv[i * C + yi] + 1);
      return s;
    });
    const got = kiln.multiMarginLoss(x, kiln.tensor(yy, { dtype: 'int32' }), { reduction: 'none' });
    expectClose(kiln.mul(got, C).data(), svm, 1e-12, 'per sample');
    expectClose(kiln.multiMarginLoss(x, kiln.tensor(yy, { dtype: 'int32' })).data(), [svm.reduce((a, b) => a + b, 0) / (N * C)], 1e-12, 'mean');
  });

  it('class weights, bce weights and posWeight get no gradient (PyTorch does not differentiate them)', () => {
    const xg = kiln.tensor(uniform(N * C, -2, 2), { shape: [N, C], dtype: 'float64', requiresGrad: true });
    const wg = kiln.tensor(w, { dtype: 'float64', requiresGrad: true });
    const yy = kiln.tensor(classIndices(N, C), { dtype: 'int32' });
    const probs = kiln.tensor(uniform(N * C, 0, 1), { shape: [N, C], dtype: 'float64' });
    const total = kiln.add(
      kiln.add(kiln.crossEntropy(xg, yy, { weight: wg }), kiln.nllLoss(xg, yy, { weight: wg })),
      kiln.add(kiln.multiMarginLoss(xg, yy, { weight: wg }), kiln.bceWithLogitsLoss(xg, probs, { weight: wg, posWeight: wg })),
    );
    total.backward();
    expect(xg.grad).not.toBeNull();
    expect(wg.grad).toBeNull();
  });
});

describe('errors name the loss and the bad value', () => {
  const x23 = kiln.zeros([2, 3]);
  const idx = kiln.tensor([0, 2], { dtype: 'int32' });
  const cases: [string, () => unknown, RegExp][] = [
    ['mse shapes', () => kiln.mseLoss(x23, kiln.zeros([3])), /^mseLoss: input shape \[2,3\] and target shape \[3\] differ$/],
    ['l1 shapes', () => kiln.l1Loss(x23, kiln.zeros([3, 2])), /^l1Loss: input shape \[2,3\] and target shape \[3,2\] differ$/],
    ['huber shapes', () => kiln.huberLoss(x23, kiln.zeros([2, 3, 1])), /^huberLoss: input shape \[2,3\] and target shape \[2,3,1\] differ$/],
    ['bce shapes', () => kiln.bceLoss(x23, kiln.zeros([2])), /^bceLoss: input shape \[2,3\] and target shape \[2\] differ$/],
    ['bceWithLogits shapes', () => kiln.bceWithLogitsLoss(x23, kiln.zeros([1, 3])), /^bceWithLogitsLoss: input shape \[2,3\] and target shape \[1,3\] differ$/],
    ['reduction', () => kiln.mseLoss(x23, x23, { reduction: 'avg' as 'mean' }), /^mseLoss: reduction must be 'mean', 'sum' or 'none', got "avg"$/],
    ['huber delta', () => kiln.huberLoss(x23, x23, { delta: 0 }), /^huberLoss: delta must be a positive finite number, got 0$/],
    ['bce range', () => kiln.bceLoss(kiln.tensor([0.5, 1.5]), kiln.tensor([1, 0])), /^bceLoss: input values must be in \[0, 1\], got 1.5 at position 1$/],
    ['bce weight', () => kiln.bceLoss(x23, x23, { weight: kiln.ones([2]) }), /^bceLoss: weight of shape \[2\] does not broadcast to the input shape \[2,3\]$/],
    ['posWeight', () => kiln.bceWithLogitsLoss(x23, x23, { posWeight: kiln.ones([4]) }), /^bceWithLogitsLoss: posWeight of shape \[4\] does not broadcast to the input shape \[2,3\]$/],
    ['nll target range', () => kiln.nllLoss(x23, kiln.tensor([0, 3], { dtype: 'int32' })), /^nllLoss: target 3 at position 1 is out of range \[0, 3\) or ignoreIndex -100$/],
    ['nll float target', () => kiln.nllLoss(x23, kiln.zeros([2])), /^nllLoss: target must hold int32 class indices, got float32$/],
    ['nll target shape', () => kiln.nllLoss(x23, kiln.tensor([0, 1, 2], { dtype: 'int32' })), /^nllLoss: target of shape \[3\] does not match input \[2,3\] \(expected class indices of shape \[2\]\)$/],
    ['nll weight', () => kiln.nllLoss(x23, idx, { weight: kiln.ones([2]) }), /^nllLoss: weight of shape \[2\] must be \[3\], one per class$/],
    ['nll ignoreIndex', () => kiln.nllLoss(x23, idx, { ignoreIndex: 0.5 }), /^nllLoss: ignoreIndex must be an integer, got 0.5$/],
    ['nll 0-d input', () => kiln.nllLoss(kiln.tensor(1), idx), /^nllLoss: input must be \[C\], \[N, C\] or \[N, C, d1, \.\.\.\], got shape \[\]$/],
    ['ce labelSmoothing', () => kiln.crossEntropy(x23, idx, { labelSmoothing: 1.5 }), /^crossEntropy: labelSmoothing must be in \[0, 1\], got 1.5$/],
    ['ce target range', () => kiln.crossEntropy(x23, kiln.tensor([-1, 0], { dtype: 'int32' })), /^crossEntropy: target -1 at position 0 is out of range \[0, 3\) or ignoreIndex -100$/],
    ['ce prob shape', () => kiln.crossEntropy(x23, kiln.zeros([2, 2])), /^crossEntropy: target of shape \[2,2\] does not match input \[2,3\] \(expected probabilities of shape \[2,3\]\)$/],
    ['ce target type', () => kiln.crossEntropy(x23, 'cat' as unknown as Tensor), /^crossEntropy: target must be a Tensor, got string$/],
    ['margin p', () => kiln.multiMarginLoss(x23, idx, { p: 3 as 1 }), /^multiMarginLoss: p must be 1 or 2, got 3$/],
    ['margin rank', () => kiln.multiMarginLoss(kiln.zeros([2, 3, 4]), kiln.zeros([2, 4], { dtype: 'int32' })), /^multiMarginLoss: input must be \[C\] or \[N, C\], got shape \[2,3,4\]$/],
    ['margin ignore', () => kiln.multiMarginLoss(x23, kiln.tensor([0, -100], { dtype: 'int32' })), /^multiMarginLoss: target -100 at position 1 is out of range \[0, 3\)$/],
    ['margin value', () => kiln.multiMarginLoss(x23, idx, { margin: NaN }), /^multiMarginLoss: margin must be a finite number, got NaN$/],
    ['input type', () => kiln.mseLoss(null as unknown as Tensor, x23), /^mseLoss: input must be a Tensor, got null$/],
  ];
  for (const [name, fn, message] of cases) it(name, () => expect(fn).toThrow(message));
});

describe('dtypes', () => {
  it('targets take the input dtype; integer inputs become float32; gradients keep each dtype', () => {
    for (const loss of ['mseLoss', 'l1Loss', 'huberLoss', 'bceLoss', 'bceWithLogitsLoss']) {
      const x = kiln.tensor([[0.2, 0.7], [0.4, 0.9]], { dtype: 'float32', requiresGrad: true });
      const t = kiln.tensor([[0, 1], [0.5, 0.25]], { dtype: 'float64', requiresGrad: true });
      const out = losses[loss](x, t);
      expect(out.dtype, loss).toBe('float32');
      const [gx, gt] = kiln.grad(out, [x, t]);
      expect([(gx as Tensor).dtype, (gt as Tensor).dtype], loss).toEqual(['float32', 'float64']);
      const want = losses[loss](kiln.tensor([[0.2, 0.7], [0.4, 0.9]], { dtype: 'float64' }), kiln.tensor([[0, 1], [0.5, 0.25]], { dtype: 'float64' })).item();
      expect(out.item(), loss).toBeCloseTo(want, 6);
    }
    expect(kiln.mseLoss(kiln.tensor([1, 2], { dtype: 'int32' }), kiln.tensor([0, 0], { dtype: 'int32' })).dtype).toBe('float32');
  });
});

describe('empty batches', () => {
  it("class losses of [0, C]: 'mean' NaN, 'sum' 0, 'none' [0], gradient [0, C]", () => {
    const x = kiln.zeros([0, 3], { dtype: 'float64', requiresGrad: true });
    const y = kiln.zeros([0], { dtype: 'int32' });
    for (const loss of ['crossEntropy', 'nllLoss', 'multiMarginLoss']) {
      expect(Number.isNaN(losses[loss](x, y).item()), loss).toBe(true);
      expect(losses[loss](x, y, { reduction: 'sum' }).item(), loss).toBe(0);
      const none = losses[loss](x, y, { reduction: 'none' });
      expect(none.shape, loss).toEqual([0]);
      const [g] = kiln.grad(kiln.sum(none), [x]);
      expect((g as Tensor).shape, loss).toEqual([0, 3]);
    }
  });
});
