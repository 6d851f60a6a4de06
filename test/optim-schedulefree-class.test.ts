// ScheduleFreeAdamW against an independent float64 implementation of the reference algorithm
// (AdamWScheduleFree of facebookresearch/schedule_free, written as its three sequences
// z, x, y), on the problem of test/optim-problem.ts with two parameter groups, warmup, weight
// decay, eval/train switches and a state dict round trip.
import { describe, expect, it } from 'vitest';

import * as kiln from '../lib/index';
import { ScheduleFreeAdamW } from '../lib/optim/index';
import { flatValues, loss, makeParams, names } from './optim-problem';
import { Reference, type Hyper } from './schedulefree-reference';

const weightsOpts = { lr: 0.02, betas: [0.9, 0.999] as [number, number], eps: 1e-8, weightDecay: 0.05, warmupSteps: 5, r: 0, weightLrPower: 2 };
const biasOpts = { ...weightsOpts, lr: 0.01, weightDecay: 0, warmupSteps: 0, r: 1, weightLrPower: 1 };
const weightNames = names.filter((n) => !n.startsWith('b'));
const biasNames = names.filter((n) => n.startsWith('b'));
const hyper = (o: typeof weightsOpts): Hyper => ({ ...o, beta1: o.betas[0], beta2: o.betas[1] });

function setup(dtype: 'float32' | 'float64') {
  const p = makeParams(dtype);
  const opt = new ScheduleFreeAdamW([{ params: weightNames.map((n) => p[n]) }, { params: biasNames.map((n) => p[n]), ...biasOpts }], weightsOpts);
  const values = (ns: string[]) => ns.flatMap((n) => Array.from(p[n].values()));
  const ref = [new Reference(values(weightNames), hyper(weightsOpts)), new Reference(values(biasNames), hyper(biasOpts))];
  const gradStep = () => {
    opt.zeroGrad();
    kiln.scope(() => loss(p).backward());
    const grads = (ns: string[]) => ns.flatMap((n) => Array.from((p[n].grad as kiln.Tensor).values()));
    ref[0].step(grads(weightNames));
    ref[1].step(grads(biasNames));
    opt.step();
  };
  return { p, opt, ref, values, gradStep };
}

function expectClose(got: number[], want: number[], rtol: number): void {
  expect(got.length).toBe(want.length);
  got.forEach((g, i) => expect(Math.abs(g - want[i])).toBeLessThanOrEqual(rtol * (Math.abs(want[i]) + 1e-3)));
}

describe('ScheduleFreeAdamW', () => {
  it.each([
    ['float64', 1e-11],
    ['float32', 2e-5],
  ] as const)('follows the reference over 40 steps with two groups, eval() giving x and train() y (%s)', (dtype, rtol) => {
    const { opt, ref, values, gradStep } = setup(dtype);
    for (let t = 1; t <= 40; t++) {
      gradStep();
      expectClose(values(weightNames), ref[0].y, rtol);
      expectClose(values(biasNames), ref[1].y, rtol);
      if (t % 10 === 0) {
        opt.eval();
        opt.eval(); // already in eval mode: no second move
        expectClose(values(weightNames), ref[0].x, rtol);
        expectClose(values(biasNames), ref[1].x, rtol);
        expect(() => opt.step()).toThrow(/ScheduleFreeAdamW: step\(\) in eval mode; call optimizer.train\(\)/);
        opt.train();
        expectClose(values(weightNames), ref[0].y, rtol);
      }
    }
    expect(opt.paramGroups[0].k).toBe(40);
    expect(opt.paramGroups[0].scheduledLr).toBe(0.02);
  });

  it('round-trips through stateDict (schedule scalars and mode included)', () => {
    const a = setup('float64');
    const b = setup('float64');
    for (let t = 0; t < 6; t++) a.gradStep();
    for (let t = 0; t < 6; t++) b.gradStep();
    const saved = b.opt.stateDict();
    expect(saved.paramGroups[0]).toMatchObject({ k: 6, trainMode: true, warmupSteps: 5 });
    expect(Object.keys(saved.state[0]).sort()).toEqual(['expAvgSq', 'z']);
    const p3 = makeParams('float64');
    kiln.noGrad(() => names.forEach((n) => p3[n].copy_(b.p[n])));
    const opt3 = new ScheduleFreeAdamW([{ params: weightNames.map((n) => p3[n]) }, { params: biasNames.map((n) => p3[n]), ...biasOpts }], weightsOpts);
    opt3.loadStateDict(saved);
    for (let t = 0; t < 6; t++) {
      a.gradStep();
      opt3.zeroGrad();
      kiln.scope(() => loss(p3).backward());
      opt3.step();
      expect(flatValues(p3)).toEqual(flatValues(a.p));
    }
    a.opt.eval();
    opt3.eval();
    expect(flatValues(p3)).toEqual(flatValues(a.p));
  });

  it('refuses bad options', () => {
    const w = kiln.zeros([2], { requiresGrad: true });
    expect(() => new ScheduleFreeAdamW([w], { betas: [0, 0.999] })).toThrow(/ScheduleFreeAdamW: invalid betas\[0\] 0 \(must be in \(0, 1\)/);
    expect(() => new ScheduleFreeAdamW([w], { warmupSteps: -1 })).toThrow(/ScheduleFreeAdamW: invalid warmupSteps -1/);
    expect(() => new ScheduleFreeAdamW([w], { lr: -1 })).toThrow(/ScheduleFreeAdamW: invalid lr -1/);
  });
});
