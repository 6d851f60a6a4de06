// Every layer against PyTorch (test/fixtures/nn.json from gen_nn.py): load PyTorch's state
// dict, run forward in training mode, backward with a given upstream gradient, and compare the
// output, the input's and every parameter's gradient, the running statistics after, and the
// output in evaluation mode. In float64 and float32.
import { describe, expect, it } from 'vitest';

import * as kiln from '../lib/index';
import * as nn from '../lib/nn/index';
import { camel, expectClose, fixture, stateTensors, TOL, type LayerCase } from './nn-helpers';

/** kiln's spelling of each fixture layer (gen_nn.py builds the same in PyTorch). */
const builders: Record<string, () => nn.Module> = {
  linear: () => new nn.Linear(5, 3),
  linearNoBias3d: () => new nn.Linear(5, 3, { bias: false }),
  relu: () => new nn.ReLU(),
  leakyRelu: () => new nn.LeakyReLU(0.2),
  elu: () => new nn.ELU(1.5),
  gelu: () => new nn.GELU(),
  geluTanh: () => new nn.GELU('tanh'),
  sigmoid: () => new nn.Sigmoid(),
  tanh: () => new nn.Tanh(),
  softplus: () => new nn.Softplus(2, 1),
  softmax: () => new nn.Softmax(1),
  logSoftmax: () => new nn.LogSoftmax(-1),
  identity: () => new nn.Identity(),
  flatten: () => new nn.Flatten(),
  flattenRange: () => new nn.Flatten(0, 1),
  conv: () => new nn.Conv2d(3, 4, 3),
  convStridePad: () => new nn.Conv2d(2, 4, [3, 2], { stride: 2, padding: [1, 0] }),
  convGroupsDilation: () => new nn.Conv2d(4, 6, 3, { groups: 2, dilation: 2, padding: 2, bias: false }),
  convSame: () => new nn.Conv2d(2, 3, 4, { padding: 'same' }),
  maxPool: () => new nn.MaxPool2d(2),
  maxPoolOptions: () => new nn.MaxPool2d(3, { stride: 2, padding: 1, ceilMode: true }),
  avgPool: () => new nn.AvgPool2d(2),
  avgPoolOptions: () => new nn.AvgPool2d(3, { stride: 2, padding: 1, ceilMode: true, countIncludePad: false }),
  adaptiveAvgPool: () => new nn.AdaptiveAvgPool2d([2, 3]),
  batchNorm1d: () => new nn.BatchNorm1d(3),
  batchNorm1d3d: () => new nn.BatchNorm1d(3, { momentum: 0.3 }),
  batchNorm2d: () => new nn.BatchNorm2d(3),
  batchNorm2dNoAffine: () => new nn.BatchNorm2d(3, { affine: false, eps: 1e-3 }),
  batchNorm2dCumulative: () => new nn.BatchNorm2d(3, { momentum: null }),
  batchNorm2dNoStats: () => new nn.BatchNorm2d(3, { trackRunningStats: false }),
  layerNorm: () => new nn.LayerNorm([3, 4]),
  layerNormNoAffine: () => new nn.LayerNorm(4, { elementwiseAffine: false, eps: 1e-3 }),
  groupNorm: () => new nn.GroupNorm(2, 4),
  mlp: () => new nn.Sequential(new nn.Linear(6, 5), new nn.Tanh(), new nn.Linear(5, 2)),
  cnn: () =>
    new nn.Sequential(
      new nn.Conv2d(1, 2, 3, { padding: 1 }), new nn.ReLU(), new nn.MaxPool2d(2),
      new nn.Conv2d(2, 3, 3, { padding: 1 }), new nn.ReLU(), new nn.MaxPool2d(2),
      new nn.Flatten(), new nn.Linear(3 * 2 * 2, 4), new nn.ReLU(), new nn.Linear(4, 3),
    ),
};

function runCase(c: LayerCase, dtype: 'float32' | 'float64'): void {
  const tol = TOL[dtype];
  const m = builders[c.name]().to(dtype);
  // Same keys in the same order as PyTorch's state dict (buffers camelCased).
  expect(Object.keys(m.stateDict())).toEqual(Object.keys(c.state).map(camel));
  m.loadStateDict(stateTensors(c.state, dtype));
  for (const pre of c.preInputs) kiln.noGrad(() => m.forward(kiln.tensor(pre, { shape: c.inputShape, dtype })));
  const x = kiln.tensor(c.input, { shape: c.inputShape, dtype, requiresGrad: true });
  const y = m.forward(x);
  expect(y.shape).toEqual(c.outputShape);
  expectClose(y, c.output, tol, `${c.name} output`);
  y.backward(kiln.tensor(c.dy, { shape: c.outputShape, dtype }));
  expectClose(x.grad, c.inputGrad, tol, `${c.name} input grad`);
  const params = m.namedParameters();
  expect(params.map(([k]) => k)).toEqual(Object.keys(c.paramGrads));
  for (const [k, p] of params) expectClose(p.grad, c.paramGrads[k], tol, `${c.name} ${k} grad`);
  const after = m.stateDict();
  for (const [k, v] of Object.entries(c.stateAfter)) expectClose(after[camel(k)], v.data, tol, `${c.name} ${k} after`);
  m.eval();
  expectClose(kiln.noGrad(() => m.forward(x)), c.evalOutput, tol, `${c.name} eval output`);
}

describe('layers against PyTorch', () => {
  it('every fixture layer has a kiln builder and back', () => {
    expect(fixture.layers.map((c) => c.name).sort()).toEqual(Object.keys(builders).sort());
  });
  for (const c of fixture.layers) {
    for (const dtype of ['float64', 'float32'] as const) it(`${c.name} (${dtype})`, () => runCase(c, dtype));
  }
});

describe('default init', () => {
  // PyTorch's bound comes from its own fan computation (gen_nn.py); kiln's draws must stay
  // inside it and fill it (max |w| near the bound, std near bound / sqrt(3), as PyTorch's).
  const layers: Record<string, () => nn.Linear | nn.Conv2d> = {
    linear: () => new nn.Linear(784, 256),
    conv: () => new nn.Conv2d(16, 32, 5),
    convGroups: () => new nn.Conv2d(64, 64, 3, { groups: 4 }),
  };
  for (const f of fixture.defaultInit) {
    it(`${f.name} draws inside PyTorch's bounds with PyTorch's spread`, () => {
      kiln.manualSeed(7);
      const m = layers[f.name]();
      const w = m.weight.values();
      const b = (m.bias as kiln.Tensor).values();
      const maxAbs = (a: ArrayLike<number>): number => Array.from(a).reduce((s, v) => Math.max(s, Math.abs(v)), 0);
      const fanIn = nn.init.calculateFanInAndFanOut(m.weight)[0];
      expect(1 / Math.sqrt(fanIn)).toBeCloseTo(f.weightBound, 12); // the same bound from kiln's fan
      expect(1 / Math.sqrt(fanIn)).toBeCloseTo(f.biasBound, 12);
      expect(maxAbs(w)).toBeLessThanOrEqual(f.weightBound * (1 + 1e-6));
      expect(maxAbs(w)).toBeGreaterThan(f.weightBound * 0.99);
      expect(maxAbs(b)).toBeLessThanOrEqual(f.biasBound * (1 + 1e-6));
      const mean = Array.from(w).reduce((s, v) => s + v, 0) / w.length;
      const std = Math.sqrt(Array.from(w).reduce((s, v) => s + (v - mean) ** 2, 0) / (w.length - 1));
      expect(Math.abs(std / f.weightStd - 1)).toBeLessThan(0.03);
      expect(Math.abs(std / (f.weightBound / Math.sqrt(3)) - 1)).toBeLessThan(0.03);
    });
  }

  for (const f of fixture.defaultInit) {
    it(`${f.name} draws U(-b, b) with exactly PyTorch's bounds b for weight and bias`, () => {
      // The same stream drawn through uniform_ with PyTorch's bounds gives the same values.
      kiln.manualSeed(11);
      const m = layers[f.name]();
      kiln.manualSeed(11);
      const w = nn.init.uniform_(kiln.empty(m.weight.shape), -f.weightBound, f.weightBound);
      const b = nn.init.uniform_(kiln.empty(m.bias!.shape), -f.biasBound, f.biasBound);
      expectClose(m.weight, w.values(), 1e-7, `${f.name} weight`);
      expectClose(m.bias, b.values(), 1e-7, `${f.name} bias`);
    });
  }

  it('norm layers start at weight 1, bias 0, running mean 0, var 1', () => {
    const bn = new nn.BatchNorm2d(3);
    expect(Array.from(bn.weight!.values())).toEqual([1, 1, 1]);
    expect(Array.from(bn.bias!.values())).toEqual([0, 0, 0]);
    expect(Array.from(bn.runningMean!.values())).toEqual([0, 0, 0]);
    expect(Array.from(bn.runningVar!.values())).toEqual([1, 1, 1]);
    expect(bn.numBatchesTracked!.item()).toBe(0);
    expect(bn.numBatchesTracked!.dtype).toBe('int32');
    const ln = new nn.LayerNorm([2, 3]);
    expect(ln.weight!.shape).toEqual([2, 3]);
    expect(Array.from(ln.weight!.values())).toEqual([1, 1, 1, 1, 1, 1]);
    expect(new nn.LayerNorm(4, { bias: false }).bias).toBeNull();
    expect(new nn.GroupNorm(2, 4, { affine: false }).parameters()).toEqual([]);
  });
});

describe('train and eval', () => {
  it('Dropout drops and rescales in training, is the identity in evaluation', () => {
    const x = kiln.ones([100, 100]);
    const d = new nn.Dropout(0.25, { generator: new kiln.Generator(3) });
    const y = d.forward(x).values();
    let zeros = 0;
    for (const v of y) {
      if (v === 0) zeros++;
      else expect(v).toBeCloseTo(1 / 0.75, 6);
    }
    expect(Math.abs(zeros / y.length - 0.25)).toBeLessThan(0.02);
    d.eval();
    expect(Array.from(d.forward(x).values()).every((v) => v === 1)).toBe(true);
  });

  it('Dropout with a seeded generator repeats its masks', () => {
    const x = kiln.ones([50]);
    const a = new nn.Dropout(0.5, { generator: new kiln.Generator(11) }).forward(x).values();
    const b = new nn.Dropout(0.5, { generator: new kiln.Generator(11) }).forward(x).values();
    expect(Array.from(a)).toEqual(Array.from(b));
  });

  it('train()/eval() reach nested Dropout and BatchNorm and change their outputs', () => {
    const model = new nn.Sequential(new nn.Linear(4, 6), new nn.BatchNorm1d(6), new nn.Sequential(new nn.Dropout(0.5)), new nn.Linear(6, 2));
    const x = kiln.randn([8, 4], { generator: new kiln.Generator(1) });
    expect(model.modules().every((m) => m.training)).toBe(true);
    const bn = model.at(1) as nn.BatchNorm1d;
    model.forward(x);
    expect(bn.numBatchesTracked!.item()).toBe(1);
    model.eval();
    expect(model.modules().every((m) => !m.training)).toBe(true);
    const mean = bn.runningMean!.clone();
    const a = kiln.noGrad(() => model.forward(x)).values();
    const b = kiln.noGrad(() => model.forward(x)).values();
    expect(Array.from(a)).toEqual(Array.from(b)); // no dropout, running statistics
    expect(bn.numBatchesTracked!.item()).toBe(1); // evaluation does not count batches
    expectClose(bn.runningMean, mean.values(), 0, 'running mean unchanged in eval');
    model.train();
    expect(model.modules().every((m) => m.training)).toBe(true);
    const c = kiln.noGrad(() => model.forward(x)).values();
    expect(Array.from(c)).not.toEqual(Array.from(a));
    expect(bn.numBatchesTracked!.item()).toBe(2);
  });
});

describe('loss modules against PyTorch', () => {
  const w = (dtype: kiln.DType): kiln.Tensor => kiln.tensor(fixture.classWeight, { dtype });
  const t = (c: { tensors: Record<string, number[]> }, k: string, dtype: kiln.DType): kiln.Tensor => kiln.tensor(c.tensors[k], { dtype });
  const losses: Record<string, (c: { tensors: Record<string, number[]> }, dtype: kiln.DType) => nn.Module> = {
    crossEntropy: () => new nn.CrossEntropyLoss(),
    crossEntropyOptions: (_, d) => new nn.CrossEntropyLoss({ weight: w(d), ignoreIndex: 0, labelSmoothing: 0.1, reduction: 'sum' }),
    crossEntropyProbs: () => new nn.CrossEntropyLoss({ reduction: 'none' }),
    nllLoss: (_, d) => new nn.NLLLoss({ weight: w(d) }),
    multiMarginLoss: (_, d) => new nn.MultiMarginLoss({ p: 2, margin: 0.5, weight: w(d) }),
    mseLoss: () => new nn.MSELoss({ reduction: 'none' }),
    l1Loss: () => new nn.L1Loss({ reduction: 'sum' }),
    huberLoss: () => new nn.HuberLoss({ delta: 0.5 }),
    bceLoss: (c, d) => new nn.BCELoss({ weight: t(c, 'weight', d) }),
    bceWithLogitsLoss: (c, d) => new nn.BCEWithLogitsLoss({ weight: t(c, 'weight', d), posWeight: t(c, 'posWeight', d), reduction: 'sum' }),
  };

  it('every fixture loss has a kiln module and back', () => {
    expect(fixture.losses.map((c) => c.name).sort()).toEqual(Object.keys(losses).sort());
  });
  for (const c of fixture.losses) {
    for (const dtype of ['float64', 'float32'] as const) {
      it(`${c.name} (${dtype})`, () => {
        const loss = losses[c.name](c, dtype);
        const x = kiln.tensor(c.input, { shape: c.inputShape, dtype, requiresGrad: true });
        const target = kiln.tensor(c.target, { shape: c.targetShape, dtype: c.targetInt ? 'int32' : dtype });
        const y = loss.forward(x, target);
        expect(y.shape).toEqual(c.outputShape);
        expectClose(y, c.output, TOL[dtype], `${c.name} loss`);
        y.backward(kiln.tensor(c.dy, { shape: c.outputShape, dtype }));
        expectClose(x.grad, c.inputGrad, TOL[dtype], `${c.name} grad`);
      });
    }
  }

  it('class weights are buffers in the state dict, as in PyTorch', () => {
    const loss = new nn.BCEWithLogitsLoss({ weight: kiln.ones([3]), posWeight: kiln.full([3], 2) });
    expect(Object.keys(loss.stateDict())).toEqual(['weight', 'posWeight']);
    expect(loss.parameters()).toEqual([]);
    expect(Object.keys(new nn.CrossEntropyLoss().stateDict())).toEqual([]);
  });

  it('rejects a bad reduction, naming the class', () => {
    expect(() => new nn.MSELoss({ reduction: 'avg' as 'mean' })).toThrow(/MSELoss: reduction must be 'mean', 'sum' or 'none', got "avg"/);
    expect(() => new nn.MultiMarginLoss({ p: 3 as 1 })).toThrow(/MultiMarginLoss: p must be 1 or 2, got 3/);
  });
});

describe('gradcheck of module stacks (float64)', () => {
  it('Linear -> Tanh -> Linear -> GELU', () => {
    kiln.manualSeed(3);
    const model = new nn.Sequential(new nn.Linear(4, 5), new nn.Tanh(), new nn.Linear(5, 3), new nn.GELU()).double();
    const x = kiln.randn([2, 4], { dtype: 'float64', requiresGrad: true });
    // gradcheck perturbs the inputs' data in place: passing the parameters checks their gradients too.
    expect(kiln.gradcheck((input) => model.forward(input), [x, ...model.parameters()])).toBe(true);
  });

  it('Conv2d -> GroupNorm -> ELU -> AvgPool2d -> Flatten -> Linear, and BatchNorm2d -> MaxPool2d', () => {
    kiln.manualSeed(4);
    const a = new nn.Sequential(new nn.Conv2d(2, 4, 3, { padding: 1 }), new nn.GroupNorm(2, 4), new nn.ELU(), new nn.AvgPool2d(2), new nn.Flatten(), new nn.Linear(16, 3)).double();
    const x = kiln.randn([2, 2, 4, 4], { dtype: 'float64', requiresGrad: true });
    expect(kiln.gradcheck((input) => a.forward(input), [x, ...a.parameters()])).toBe(true);
    const b = new nn.Sequential(new nn.BatchNorm2d(2), new nn.MaxPool2d(2), new nn.LayerNorm([2, 2])).double();
    const y = kiln.randn([3, 2, 4, 4], { dtype: 'float64', requiresGrad: true });
    // Training mode updates running statistics on every call; the gradient does not depend on them.
    expect(kiln.gradcheck((input) => b.forward(input), [y, ...b.parameters()])).toBe(true);
    b.eval(); // the running statistics as constants
    expect(kiln.gradcheck((input) => b.forward(input), [y, ...b.parameters()])).toBe(true);
  });

  it("Conv2d passes [top, bottom, left, right] and 'valid' padding to conv2d", () => {
    kiln.manualSeed(5);
    const x = kiln.randn([1, 2, 5, 6], { dtype: 'float64' });
    const asym = new nn.Conv2d(2, 3, 3, { padding: [1, 0, 2, 1] }).double();
    const y = asym.forward(x);
    const want = kiln.conv2d(x, asym.weight, asym.bias, { padding: [1, 0, 2, 1] });
    expect(y.shape).toEqual([1, 3, 4, 7]);
    expectClose(y, want.values(), 0, 'asymmetric padding');
    expect(asym.extraRepr()).toBe('2, 3, kernelSize=[3, 3], stride=[1, 1], padding=[1, 0, 2, 1]');
    const valid = new nn.Conv2d(2, 3, [2, 3], { padding: 'valid', stride: [1, 2] }).double();
    expect(valid.forward(x).shape).toEqual([1, 3, 4, 2]);
    expect(valid.extraRepr()).toBe("2, 3, kernelSize=[2, 3], stride=[1, 2], padding='valid'");
  });
});

describe('layer argument errors name the layer and the values', () => {
  it.each([
    [() => new nn.Conv2d(3, 4, 3, { groups: 2 }), 'Conv2d: inChannels 3 is not divisible by groups 2'],
    [() => new nn.Conv2d(4, 3, 3, { groups: 2 }), 'Conv2d: outChannels 3 is not divisible by groups 2'],
    [() => new nn.Conv2d(2, 3, 3, { padding: 'same', stride: 2 }), "Conv2d: padding 'same' needs stride 1, got stride [2, 2]"],
    [() => new nn.Conv2d(2, 3, 0), 'Conv2d: kernelSize must be an integer >= 1 or a pair of them, got 0'],
    [() => new nn.Linear(2.5, 3), 'Linear: inFeatures must be a non-negative integer, got 2.5'],
    [() => new nn.Linear(2, 3, { dtype: 'int32' }), 'Linear: dtype must be float32 or float64, got "int32"'],
    [() => new nn.MaxPool2d(2, { padding: 2 }), 'MaxPool2d: padding [2, 2] must be at most half of kernelSize [2, 2]'],
    [() => new nn.AvgPool2d([2, 2, 2] as unknown as number), 'AvgPool2d: kernelSize must be an integer >= 1 or a pair of them, got [2,2,2]'],
    [() => new nn.GroupNorm(3, 4), 'GroupNorm: numChannels 4 is not divisible by numGroups 3'],
    [() => new nn.BatchNorm2d(3, { momentum: 2 }), 'BatchNorm2d: momentum must be in [0, 1] or null, got 2'],
    [() => new nn.Dropout(1.5), 'Dropout: p must be in [0, 1], got 1.5'],
    [() => new nn.GELU('fast' as 'tanh'), `GELU: approximate must be 'none' or 'tanh', got "fast"`],
  ])('%#', (make, message) => {
    expect(make).toThrow(message);
  });

  it.each([
    [() => new nn.Linear(4, 2).forward(kiln.zeros([3, 5])), 'Linear: input of shape [3,5] does not end in inFeatures 4'],
    [() => new nn.Conv2d(3, 4, 3).forward(kiln.zeros([1, 2, 5, 5])), 'Conv2d: expected 3 channels on axis 1, got shape [1,2,5,5]'],
    [() => new nn.Conv2d(3, 4, 3).forward(kiln.zeros([3, 5, 5])), 'Conv2d: expected a 4-D input, got shape [3,5,5]'],
    [() => new nn.BatchNorm1d(3).forward(kiln.zeros([2, 4])), 'BatchNorm1d: expected 3 features on axis 1, got shape [2,4]'],
    [() => new nn.BatchNorm2d(3).forward(kiln.zeros([2, 3])), 'BatchNorm2d: expected a 4-D input, got shape [2,3]'],
    [() => new nn.LayerNorm([3, 4]).forward(kiln.zeros([2, 4, 3])), 'LayerNorm: input of shape [2,4,3] does not end in normalizedShape [3,4]'],
    [() => new nn.GroupNorm(2, 4).forward(kiln.zeros([2, 6, 3])), 'GroupNorm: expected 4 channels on axis 1, got shape [2,6,3]'],
    [() => nn.functional.linear(kiln.zeros([2, 4]), kiln.zeros([4])), 'linear: weight must be [out, in], got shape [4]'],
    [() => nn.functional.linear(kiln.zeros([2, 4]), kiln.zeros([3, 5])), "linear: input of shape [2,4] does not end in the weight's in-features 5 (weight [3,5])"],
    [() => nn.functional.linear(kiln.zeros([2, 4]), kiln.zeros([3, 4]), kiln.zeros([4])), 'linear: bias must be [3] for weight [3,4], got shape [4]'],
  ])('forward %#', (run, message) => {
    expect(run).toThrow(message);
  });
});

describe('Step and nn.functional', () => {
  it('Step is the unit step x > 0 ? 1 : 0 with a zero gradient', () => {
    const x = kiln.tensor([-1, 0, 1e-3, 2], { requiresGrad: true });
    const y = new nn.Step().forward(x);
    expect(Array.from(y.values())).toEqual([0, 0, 1, 1]);
    y.sum().backward();
    expect(Array.from(x.grad!.values())).toEqual([0, 0, 0, 0]);
  });

  it('nn.functional holds the ops themselves, and linear', () => {
    const f = nn.functional as Record<string, unknown>;
    const top = kiln as unknown as Record<string, unknown>;
    const names = Object.keys(f);
    for (const name of ['conv2d', 'maxPool2d', 'maxPool2dWithIndices', 'avgPool2d', 'adaptiveAvgPool2d', 'batchNorm', 'layerNorm', 'groupNorm', 'dropout',
      'relu', 'leakyRelu', 'elu', 'gelu', 'sigmoid', 'tanh', 'softplus', 'heaviside', 'softmax', 'logSoftmax',
      'crossEntropy', 'nllLoss', 'multiMarginLoss', 'mseLoss', 'l1Loss', 'huberLoss', 'bceLoss', 'bceWithLogitsLoss', 'linear']) {
      expect(names, name).toContain(name);
    }
    for (const name of names) if (name in top) expect(f[name], name).toBe(top[name]);
    const lin = new nn.Linear(3, 2);
    const x = kiln.randn([4, 3]);
    expect(Array.from(nn.functional.linear(x, lin.weight, lin.bias).values())).toEqual(Array.from(lin.forward(x).values()));
    expect(Array.from(nn.functional.linear(x, lin.weight).values())).toEqual(Array.from(x.matmul(lin.weight.T).values()));
  });
});
