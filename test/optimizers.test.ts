// SGD, Adam, AdamW, Adagrad and RMSprop against PyTorch (test/fixtures/optim_traj.json): every
// option on and off and per-group options, 32 float32 steps on the fixture's problem with
// gradients from kiln's own autograd, compared at every step. Also the base's contract:
// gradient-less parameters, dtypes, zeroGrad, state dicts and errors.
import { describe, expect, it } from 'vitest';

import * as kiln from '../lib/index';
import * as optim from '../lib/optim/index';
import { fixture, flatValues, float32s, groupsFor, loss, makeParams, names, type TrajCase } from './optim-problem';

type Ctor = new (params: never, options?: never) => optim.Optimizer;
const classes: Record<string, Ctor> = { SGD: optim.SGD, Adam: optim.Adam, AdamW: optim.AdamW, Adagrad: optim.Adagrad, RMSprop: optim.RMSprop };

function make(c: Pick<TrajCase, 'optimizer' | 'options' | 'groups'>, p: Record<string, kiln.Tensor>): optim.Optimizer {
  return new (classes[c.optimizer] as unknown as new (params: unknown, options: unknown) => optim.Optimizer)(groupsFor(c, p), c.options);
}

/** One training step on the problem; returns the loss before the step. */
function trainStep(opt: optim.Optimizer, p: Record<string, kiln.Tensor>, sign = 1): number {
  opt.zeroGrad();
  return kiln.scope(() => {
    const l = loss(p).mul(sign);
    l.backward();
    return l.item();
  }) as number;
}

// Relative 1e-5 with a floor of 1e-6 for values near zero.
function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, what: string): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    if (!(Math.abs(got[i] - want[i]) <= 1e-5 * Math.abs(want[i]) + 1e-6)) {
      throw new Error(`${what}: element ${i} is ${got[i]}, PyTorch ${want[i]}`);
    }
  }
}

const label = (c: TrajCase): string => `${c.optimizer} ${JSON.stringify(c.options)}${c.groups ? ` groups=${c.groups}` : ''}`;

describe('trajectories against PyTorch', () => {
  it.each(fixture.cases.map((c) => [label(c), c] as const))('%s', (_name, c) => {
    const want = float32s(c.params);
    const p = makeParams();
    const opt = make(c, p);
    const n = want.length / fixture.steps;
    for (let t = 0; t < fixture.steps; t++) {
      const l = trainStep(opt, p, c.options.maximize ? -1 : 1);
      expect(Math.abs(l - c.losses[t])).toBeLessThanOrEqual(1e-5 * Math.abs(c.losses[t]) + 1e-6);
      opt.step();
      expectClose(flatValues(p), want.subarray(t * n, (t + 1) * n), `step ${t + 1}`);
    }
  });
});

const camel = (s: string): string => s.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());

describe('Optimizer base', () => {
  it("stateDict has PyTorch's layout: state by parameter index over groups, options and indices per group", () => {
    const p = makeParams();
    const opt = new optim.Adam(groupsFor({ groups: 'decay', options: {} }, p), { lr: 0.02, amsgrad: true, weightDecay: 0.1 });
    for (let t = 0; t < 2; t++) {
      trainStep(opt, p);
      opt.step();
    }
    const sd = opt.stateDict();
    const torchOnly = ['capturable', 'differentiable', 'foreach', 'fused']; // PyTorch's implementation switches
    expect(Object.keys(sd.state).sort()).toEqual(Object.keys(fixture.layout.state).sort());
    for (const [k, keys] of Object.entries(fixture.layout.state)) expect(Object.keys(sd.state[Number(k)]).sort()).toEqual(keys.map(camel).sort());
    expect(sd.paramGroups.map((g) => g.params)).toEqual(fixture.layout.paramGroups.map((g) => g.params));
    for (const [i, g] of fixture.layout.paramGroups.entries()) {
      expect(Object.keys(sd.paramGroups[i]).sort()).toEqual(g.keys.filter((k) => !torchOnly.includes(k)).map(camel).sort());
    }
    expect(sd.paramGroups[1].weightDecay).toBe(0);
    expect(sd.state[0].step).toBe(2);
  });

  const roundTrips: Pick<TrajCase, 'optimizer' | 'options' | 'groups'>[] = [
    { optimizer: 'SGD', options: { lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 0.05 }, groups: 'decay' },
    { optimizer: 'Adam', options: { lr: 0.02, amsgrad: true }, groups: 'lr' },
    { optimizer: 'AdamW', options: { lr: 0.02 }, groups: 'decay' },
    { optimizer: 'Adagrad', options: { lr: 0.1, lrDecay: 0.05, initialAccumulatorValue: 0.2 }, groups: null },
    { optimizer: 'RMSprop', options: { lr: 0.01, momentum: 0.5, centered: true }, groups: 'lr' },
  ];
  it.each(roundTrips.map((c) => [c.optimizer, c] as const))('%s: loadStateDict(stateDict()) continues the same trajectory, bit for bit', (_n, c) => {
    const p = makeParams();
    const opt = make(c, p);
    const straight: number[][] = [];
    const p2 = makeParams();
    let opt2 = make(c, p2);
    for (let t = 0; t < 20; t++) {
      trainStep(opt, p);
      opt.step();
      straight.push(flatValues(p));
      if (t < 8) {
        trainStep(opt2, p2);
        opt2.step();
      }
    }
    // Save after 8 steps, continue in a new optimizer over new parameters holding the same values.
    const saved = opt2.stateDict();
    const before = JSON.stringify(Object.values(saved.state).map((s) => Object.values(s).map((v) => (kiln.isTensor(v) ? Array.from(v.values()) : v))));
    trainStep(opt2, p2);
    opt2.step(); // the saved copies must not follow the live state
    expect(JSON.stringify(Object.values(saved.state).map((s) => Object.values(s).map((v) => (kiln.isTensor(v) ? Array.from(v.values()) : v))))).toBe(before);
    const p3 = makeParams();
    kiln.noGrad(() => names.forEach((n) => p3[n].copy_(kiln.tensor(straight[7].slice(offsetOf(n), offsetOf(n) + p3[n].size), { shape: p3[n].shape }))));
    opt2 = make(c, p3);
    opt2.loadStateDict(saved);
    for (let t = 8; t < 20; t++) {
      trainStep(opt2, p3);
      opt2.step();
      expect(flatValues(p3)).toEqual(straight[t]);
    }
  });

  it('skips parameters without a gradient; each keeps its own step count and momentum start', () => {
    // q gets no gradient for the first 3 steps: it must then move exactly as a fresh optimizer on q alone.
    for (const c of [{ optimizer: 'Adam', options: { lr: 0.02 } }, { optimizer: 'SGD', options: { lr: 0.05, momentum: 0.9 } }]) {
      const p = makeParams();
      const opt = make({ ...c, groups: null }, p);
      const q = kiln.tensor(fixture.init.q, { requiresGrad: true });
      const alone = new (classes[c.optimizer] as unknown as new (params: unknown, options: unknown) => optim.Optimizer)([q], c.options);
      for (let t = 0; t < 8; t++) {
        trainStep(opt, p);
        if (t < 3) {
          p.q.grad = null;
        } else {
          q.grad = (p.q.grad as kiln.Tensor).clone();
          alone.step();
        }
        const before = Array.from(p.q.values());
        opt.step();
        if (t < 3) expect(Array.from(p.q.values())).toEqual(before);
        else expect(Array.from(p.q.values())).toEqual(Array.from(q.values()));
      }
      expect((opt.state.get(p.q) as optim.ParamState).step ?? 5).toBe(5);
    }
  });

  it('steps float64 parameters, and float32 and float64 in one group as per-dtype calls', () => {
    const c = fixture.cases.find((x) => x.optimizer === 'Adam' && x.groups === null && Object.keys(x.options).length === 1) as TrajCase;
    const want = float32s(c.params);
    const n = want.length / fixture.steps;
    const p = makeParams('float64');
    const opt = make(c, p);
    for (let t = 0; t < fixture.steps; t++) {
      trainStep(opt, p);
      opt.step();
    }
    // float64 follows the float32 PyTorch run to float32's accumulated rounding.
    const got = flatValues(p);
    const last = want.subarray((fixture.steps - 1) * n);
    for (let i = 0; i < n; i++) expect(Math.abs(got[i] - last[i])).toBeLessThan(1e-4 * Math.abs(last[i]) + 1e-5);

    const a = kiln.tensor([1, 2, 3], { requiresGrad: true });
    const b = kiln.tensor([1, 2, 3], { dtype: 'float64', requiresGrad: true });
    const mixed = new optim.SGD([a, b], { lr: 0.1, momentum: 0.9 });
    for (let t = 0; t < 3; t++) {
      a.grad = kiln.tensor([0.5, -1, 2]);
      b.grad = kiln.tensor([0.5, -1, 2], { dtype: 'float64' });
      mixed.step();
    }
    const single = kiln.tensor([1, 2, 3], { requiresGrad: true });
    const alone = new optim.SGD([single], { lr: 0.1, momentum: 0.9 });
    for (let t = 0; t < 3; t++) {
      single.grad = kiln.tensor([0.5, -1, 2]);
      alone.step();
    }
    expect(Array.from(a.values())).toEqual(Array.from(single.values()));
    Array.from(b.values()).forEach((v, i) => expect(v).toBeCloseTo(single.values()[i], 6));
    expect(b.dtype).toBe('float64');
  });

  it('step(closure) evaluates the closure with grad mode on, returns its loss and steps with its gradients', () => {
    const p = makeParams();
    const q = makeParams();
    const a = new optim.Adam(names.map((n) => p[n]), { lr: 0.02 });
    const b = new optim.Adam(names.map((n) => q[n]), { lr: 0.02 });
    for (let t = 0; t < 3; t++) {
      const want = trainStep(b, q);
      b.step();
      const got = kiln.noGrad(() =>
        a.step(() => {
          a.zeroGrad();
          return kiln.scope(() => {
            const l = loss(p);
            l.backward();
            return l.item();
          });
        }),
      );
      expect(got).toBe(want);
      expect(flatValues(p)).toEqual(flatValues(q));
    }
  });

  it('zeroGrad drops gradients (setToNone) or fills them with zeros', () => {
    const p = makeParams();
    const opt = new optim.SGD(names.map((n) => p[n]), { lr: 0.1 });
    trainStep(opt, p);
    const g = p.w1.grad as kiln.Tensor;
    opt.zeroGrad(false);
    expect(p.w1.grad).toBe(g);
    expect(Array.from(g.values()).every((v) => v === 0)).toBe(true);
    opt.zeroGrad();
    expect(p.w1.grad).toBeNull();
    expect(g.disposed).toBe(true);
  });

  it('makes no tensors per step, and bumps each stepped parameter\'s version', () => {
    for (const c of roundTrips) {
      const p = makeParams();
      const opt = make(c, p);
      trainStep(opt, p);
      opt.step();
      trainStep(opt, p);
      const before = kiln.memory().tensors;
      const version = p.w1.version;
      opt.step();
      expect(kiln.memory().tensors).toBe(before);
      expect(p.w1.version).toBe(version + 1);
    }
  });

  it('refuses bad options and parameters, naming the optimizer and the value', () => {
    const w = kiln.tensor([1, 2], { requiresGrad: true });
    expect(() => new optim.SGD([w], { lr: -0.1 })).toThrow(/SGD: invalid lr -0.1/);
    expect(() => new optim.SGD([w], { momentum: -1 })).toThrow(/SGD: invalid momentum -1/);
    expect(() => new optim.SGD([w], { nesterov: true })).toThrow(/SGD: nesterov momentum requires momentum > 0 and dampening 0/);
    expect(() => new optim.Adam([w], { betas: [1.2, 0.999] })).toThrow(/Adam: invalid betas\[0\] 1.2 \(must be in \[0, 1\)\)/);
    expect(() => new optim.AdamW([w], { betas: [0.9, -0.1] })).toThrow(/AdamW: invalid betas\[1\] -0.1/);
    expect(() => new optim.Adam([w], { eps: -1 })).toThrow(/Adam: invalid eps -1/);
    expect(() => new optim.Adagrad([w], { lrDecay: -1 })).toThrow(/Adagrad: invalid lrDecay -1/);
    expect(() => new optim.RMSprop([w], { alpha: 1.5 })).toThrow(/RMSprop: invalid alpha 1.5 \(must be in \[0, 1\]\)/);
    expect(() => new optim.SGD([{ params: [w] }, { params: [w], lr: 0.1 }])).toThrow(/SGD: parameter 0 of group 1 appears more than once/);
    expect(() => new optim.SGD([w.mul(2)])).toThrow(/SGD: can't optimize a non-leaf tensor/);
    expect(() => new optim.SGD([kiln.tensor([1, 2], { dtype: 'int32' })])).toThrow(/SGD: parameter 0 of group 0 has dtype int32/);
    expect(() => new optim.SGD([kiln.zeros([2, 3]).T])).toThrow(/SGD: parameter 0 of group 0 is not contiguous/);
    expect(() => new optim.SGD([{ params: [w], weight_decay: 0.1 }])).toThrow(/SGD: unknown option 'weight_decay' in parameter group 0 \(options: lr, momentum, dampening, weightDecay, nesterov, maximize\)/);
    expect(() => new optim.SGD([])).toThrow(/SGD: got an empty parameter list/);
    const opt = new optim.Adam([w], { lr: 0.1 });
    expect(() => opt.addParamGroup({ params: [w] })).toThrow(/Adam: parameter 0 of group 1 appears more than once/);
    w.grad = kiln.tensor([1, 2, 3]);
    expect(() => opt.step()).toThrow(/Adam: the gradient of parameter 0 is float32 \[3\], expected float32 \[2\]/);
    w.grad = kiln.tensor([1, 2]);
    opt.step();
    const sd = opt.stateDict();
    const other = new optim.Adam([{ params: [w] }, { params: [kiln.zeros([1], { requiresGrad: true })] }]);
    expect(() => other.loadStateDict(sd)).toThrow(/Adam: loadStateDict: the dict has 1 parameter groups, the optimizer has 2/);
    expect(() => new optim.Adam([w]).loadStateDict({ ...sd, paramGroups: [{ ...sd.paramGroups[0], lr: -1 }] })).toThrow(/Adam: invalid lr -1/);
    const v = kiln.zeros([3], { requiresGrad: true });
    expect(() => new optim.Adam([w, v]).loadStateDict(sd)).toThrow(/Adam: loadStateDict: group 0 of the dict has 1 parameters, the optimizer's has 2/);
    expect(() => new optim.Adam([v]).loadStateDict(sd)).toThrow(/Adam: loadStateDict: state 'expAvg' of parameter 0 has shape \[2\], expected a tensor of the parameter's shape \[3\]/);
  });
});

function offsetOf(name: string): number {
  let o = 0;
  for (const n of names) {
    if (n === name) return o;
    o += fixture.shapes[n].reduce((a, b) => a * b, 1);
  }
  throw new Error(name);
}
