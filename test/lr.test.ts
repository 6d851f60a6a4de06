// Learning-rate schedules (lib/optim/lr) against torch.optim.lr_scheduler: every fixture case
// of test/fixtures/lr.json (from gen_lr.py) replayed on a plain object with the same param
// groups, state-dict round trips in the middle of every sequence, and the option checks.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

import * as lr from '../lib/optim/lr';
import type { ParamGroupLike, SchedulableOptimizer } from '../lib/optim/lr';

interface Case {
  kind: string;
  options: Record<string, unknown>;
  groups: ParamGroupLike[];
  lrs: number[][];
  momenta?: number[][];
  metrics?: number[];
}
const fixture = JSON.parse(readFileSync(path.join(__dirname, 'fixtures', 'lr.json'), 'utf8')) as {
  torch: string;
  steps: number;
  cases: Case[];
};

// The named functions of gen_lr.py, same formulas.
const lambdas: Record<string, (t: number) => number> = {
  pow95: (t) => 0.95 ** t,
  inv1p: (t) => 1 / (1 + t),
  const95: () => 0.95,
  linearRatio: (t) => 1 - 0.004 * t,
  invScale: (x) => 1 / (1 + 0.05 * x),
};

type AnyScheduler = lr.LRScheduler | lr.SequentialLR | lr.ReduceLROnPlateau;

function build(kind: string, options: Record<string, unknown>, opt: SchedulableOptimizer): AnyScheduler {
  const o: Record<string, unknown> = { ...options };
  for (const key of ['lrLambda', 'scaleFn']) {
    const v = o[key];
    if (typeof v === 'string') o[key] = lambdas[v];
    else if (Array.isArray(v)) o[key] = v.map((n: string) => lambdas[n]);
  }
  if (kind === 'SequentialLR') {
    const children = (o.schedulers as { kind: string; options: Record<string, unknown> }[]).map(
      (c) => build(c.kind, c.options, opt) as lr.LRScheduler,
    );
    return new lr.SequentialLR(opt, { schedulers: children, milestones: o.milestones as number[] });
  }
  const ctor = (lr as unknown as Record<string, new (opt: SchedulableOptimizer, options: unknown) => AnyScheduler>)[kind];
  return new ctor(opt, o);
}

const cloneGroups = (groups: ParamGroupLike[]): ParamGroupLike[] => JSON.parse(JSON.stringify(groups)) as ParamGroupLike[];
const momentumOf = (g: ParamGroupLike): number => (Array.isArray(g.betas) ? (g.betas[0] as number) : (g.momentum as number));

function advance(s: AnyScheduler, c: Case, t: number): void {
  if (s instanceof lr.ReduceLROnPlateau) s.step(c.metrics![t]);
  else s.step();
}

/** The lrs (and momenta) after construction and after each step in [from, to). */
function replay(c: Case, s: AnyScheduler, opt: SchedulableOptimizer, from: number, to: number) {
  const lrs: number[][] = [];
  const momenta: number[][] = [];
  const record = () => {
    lrs.push(opt.paramGroups.map((g) => g.lr));
    momenta.push(opt.paramGroups.map(momentumOf));
    expect(s.getLastLr()).toEqual(lrs[lrs.length - 1]);
  };
  if (from === 0) record();
  for (let t = from; t < to; ++t) {
    advance(s, c, t);
    record();
  }
  return { lrs, momenta };
}

function maxRelError(actual: number[][], expected: number[][]): number {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  actual.forEach((row, t) =>
    row.forEach((a, i) => {
      const e = expected[t][i];
      const err = e === 0 ? Math.abs(a) : Math.abs(a - e) / Math.abs(e);
      worst = Math.max(worst, err);
    }),
  );
  return worst;
}

// Same arithmetic in the same order on doubles: equal, but for the last bits where V8's
// Math.cos / Math.exp / ** round differently from C's libm (worst seen: 1e-15, cosine and
// its restarts; every schedule without those is bit-identical).
const tolerance = 4e-15;

const label = (c: Case) => `${c.kind} ${JSON.stringify(c.options)} (${c.groups.length} groups)`;

describe(`lr schedules against PyTorch ${fixture.torch}`, () => {
  it('the fixture covers every schedule', () => {
    const kinds = new Set(fixture.cases.map((c) => c.kind));
    for (const k of ['StepLR', 'MultiStepLR', 'ExponentialLR', 'CosineAnnealingLR', 'LinearLR', 'ConstantLR', 'LambdaLR',
      'MultiplicativeLR', 'SequentialLR', 'CyclicLR', 'CosineAnnealingWarmRestarts', 'OneCycleLR', 'ReduceLROnPlateau',
      'InverseSqrtLR', 'InverseTimeLR', 'ExponentialDecayLR', 'SqrtDecayLR']) {
      expect(kinds.has(k), k).toBe(true);
    }
  });

  for (const c of fixture.cases) {
    it(`${label(c)}: ${fixture.steps} steps`, () => {
      const opt = { paramGroups: cloneGroups(c.groups) };
      const s = build(c.kind, c.options, opt);
      const { lrs, momenta } = replay(c, s, opt, 0, fixture.steps);
      expect(maxRelError(lrs, c.lrs)).toBeLessThan(tolerance);
      if (c.momenta) expect(maxRelError(momenta, c.momenta)).toBeLessThan(tolerance);
    });
  }
});

describe('lr stateDict', () => {
  for (const c of fixture.cases) {
    it(`${label(c)}: a round trip at step 37 continues identically`, () => {
      const split = 37;
      const optA = { paramGroups: cloneGroups(c.groups) };
      const a = build(c.kind, c.options, optA);
      replay(c, a, optA, 0, split);
      // What a checkpoint holds: the optimizer's groups and the schedule's state, through JSON.
      const savedGroups = cloneGroups(optA.paramGroups);
      const saved = JSON.parse(JSON.stringify(a.stateDict()));
      const optB = { paramGroups: cloneGroups(c.groups) };
      const b = build(c.kind, c.options, optB);
      optB.paramGroups.forEach((g, i) => Object.assign(g, savedGroups[i]));
      b.loadStateDict(saved);
      expect(b.getLastLr()).toEqual(a.getLastLr());
      const restA = replay(c, a, optA, split, fixture.steps);
      const restB = replay(c, b, optB, split, fixture.steps);
      expect(restB).toEqual(restA);
      expect(maxRelError(restB.lrs, c.lrs.slice(split + 1))).toBeLessThan(tolerance);
    });
  }

  it('refuses a state with missing keys or another number of groups, naming them', () => {
    const s = new lr.StepLR({ paramGroups: [{ lr: 0.1 }] }, { stepSize: 3 });
    const state = s.stateDict();
    const { lastEpoch: _, ...noEpoch } = state;
    expect(() => s.loadStateDict(noEpoch as lr.LRSchedulerState)).toThrow('StepLR.loadStateDict: missing key(s) lastEpoch');
    expect(() => s.loadStateDict({ ...state, baseLrs: [0.1, 0.2] })).toThrow(
      'StepLR.loadStateDict: baseLrs has 2 entries but the optimizer has 1 param groups',
    );
    const w = new lr.CosineAnnealingWarmRestarts({ paramGroups: [{ lr: 0.1 }] }, { T0: 3 });
    expect(() => w.loadStateDict(state as lr.CosineAnnealingWarmRestartsState)).toThrow(
      'CosineAnnealingWarmRestarts.loadStateDict: missing key(s) Ti, Tcur',
    );
    const p = new lr.ReduceLROnPlateau({ paramGroups: [{ lr: 0.1 }] });
    expect(() => p.loadStateDict({} as lr.ReduceLROnPlateauState)).toThrow(
      'ReduceLROnPlateau.loadStateDict: missing key(s) lastEpoch, best, numBadEpochs, cooldownCounter, lastLr',
    );
  });

  it('holds only the schedule, as plain JSON', () => {
    const opt = { paramGroups: [{ lr: 0.1 }, { lr: 0.2 }] };
    const s = new lr.StepLR(opt, { stepSize: 2, gamma: 0.5 });
    s.step();
    s.step();
    expect(s.stateDict()).toEqual({ lastEpoch: 2, stepCount: 3, baseLrs: [0.1, 0.2], lastLr: [0.05, 0.1] });
  });
});

describe('lr schedule semantics', () => {
  it('construction records initialLr and applies the epoch-0 lr', () => {
    const opt: SchedulableOptimizer = { paramGroups: [{ lr: 0.2 }, { lr: 0.4 }] };
    const s = new lr.LinearLR(opt, { startFactor: 0.25, totalIters: 4 });
    expect(opt.paramGroups.map((g) => g.initialLr)).toEqual([0.2, 0.4]);
    expect(s.getLastLr()).toEqual([0.05, 0.1]);
    expect(s.lastEpoch).toBe(0);
    // getLastLr hands out a copy.
    s.getLastLr()[0] = 7;
    expect(s.getLastLr()).toEqual([0.05, 0.1]);
  });

  it('drives an optimizer stepped per batch: each update uses the scheduled lr', () => {
    // A stub optimizer: gradient descent on f(x) = x²/2 (gradient x) with its group's lr.
    class TinySgd implements SchedulableOptimizer {
      paramGroups: ParamGroupLike[] = [{ lr: 0.5 }];
      x = 1;
      step(): void {
        this.x -= this.paramGroups[0].lr * this.x;
      }
    }
    const opt = new TinySgd();
    const sched = new lr.ExponentialLR(opt, { gamma: 0.5 });
    let x = 1;
    for (let t = 0; t < 6; ++t) {
      opt.step();
      sched.step();
      x -= 0.5 * 0.5 ** t * x; // the closed form of the schedule, in float64
    }
    expect(opt.x).toBe(x);
  });

  it('ReduceLROnPlateau drops the lr on the (patience+1)-th bad epoch and waits out the cooldown', () => {
    const opt = { paramGroups: [{ lr: 0.1 }] };
    const p = new lr.ReduceLROnPlateau(opt, { patience: 2, factor: 0.5, cooldown: 1 });
    const seen: number[] = [];
    // 1 is the best; every later 2 is a bad epoch. Bad epochs 1, 2, 3 → reduce at the 4th step;
    // then one cooldown epoch that counts nothing, then bad 1, 2, 3 → reduce at the 8th.
    for (const m of [1, 2, 2, 2, 2, 2, 2, 2, 2]) {
      p.step(m);
      seen.push(opt.paramGroups[0].lr);
    }
    expect(seen).toEqual([0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.05, 0.025, 0.025]);
    expect(p.stateDict()).toMatchObject({ lastEpoch: 9, best: 1, numBadEpochs: 0, cooldownCounter: 0 });
    // minLr bounds it; a change below eps is skipped.
    const q = new lr.ReduceLROnPlateau({ paramGroups: [{ lr: 0.1 }, { lr: 1e-8 }] }, { patience: 0, minLr: [0.08, 0] });
    q.step(1);
    q.step(1);
    expect(q.getLastLr()).toEqual([0.08, 1e-8]);
  });

  it('CosineAnnealingWarmRestarts.step(epoch) jumps to fractional epochs', () => {
    const opt = { paramGroups: [{ lr: 0.1 }] };
    const s = new lr.CosineAnnealingWarmRestarts(opt, { T0: 10, Tmult: 2, etaMin: 0.001 });
    // Cycles [0, 10), [10, 30), [30, 70): epoch 25.5 is 15.5 into a 20-epoch cycle.
    s.step(25.5);
    expect(s.Ti).toBe(20);
    expect(s.Tcur).toBeCloseTo(15.5, 12);
    expect(opt.paramGroups[0].lr).toBeCloseTo(0.001 + (0.099 * (1 + Math.cos((Math.PI * 15.5) / 20))) / 2, 15);
    s.step(3.25);
    expect([s.Ti, s.Tcur, s.lastEpoch]).toEqual([10, 3.25, 3]);
    expect(() => s.step(-1)).toThrow('CosineAnnealingWarmRestarts.step: epoch must be >= 0, got -1');
  });

  it('CyclicLR and OneCycleLR cycle beta1 of groups with betas as they cycle momentum', () => {
    const options = { baseLr: 0.001, maxLr: 0.1, stepSizeUp: 5, stepSizeDown: 15, mode: 'triangular2' as const };
    const withMomentum = { paramGroups: [{ lr: 0.1, momentum: 0.9 }] };
    const withBetas = { paramGroups: [{ lr: 0.1, betas: [0.9, 0.999] }] };
    const schedules = [
      (o: SchedulableOptimizer) => new lr.CyclicLR(o, options),
      (o: SchedulableOptimizer) => new lr.OneCycleLR(o, { maxLr: 0.1, totalSteps: 40 }),
    ];
    for (const make of schedules) {
      const a = make(withMomentum);
      const b = make(withBetas);
      for (let t = 0; t < 40; ++t) {
        expect(withBetas.paramGroups[0].betas).toEqual([withMomentum.paramGroups[0].momentum, 0.999]);
        expect(b.getLastLr()).toEqual(a.getLastLr());
        a.step();
        b.step();
      }
    }
  });

  it('cycles momentum by default only when every group has one', () => {
    const plain = { paramGroups: [{ lr: 0.1 }, { lr: 0.2, momentum: 0.9 }] };
    const s = new lr.CyclicLR(plain, { baseLr: 0.01, maxLr: 0.1, stepSizeUp: 4 });
    expect(s.cycleMomentum).toBe(false);
    expect(plain.paramGroups[1].momentum).toBe(0.9);
    expect(() => new lr.CyclicLR(plain, { baseLr: 0.01, maxLr: 0.1, cycleMomentum: true })).toThrow(
      'CyclicLR: cycleMomentum needs a momentum or betas option in every param group; paramGroups[0] has neither',
    );
    expect(() => new lr.OneCycleLR(plain, { maxLr: 0.1, totalSteps: 10, cycleMomentum: true })).toThrow(
      'OneCycleLR: cycleMomentum needs a momentum or betas option in every param group; paramGroups[0] has neither',
    );
  });

  it('OneCycleLR refuses to step past totalSteps', () => {
    const s = new lr.OneCycleLR({ paramGroups: [{ lr: 0.1 }] }, { maxLr: 0.1, totalSteps: 3 });
    for (let t = 0; t < 3; ++t) s.step();
    expect(() => s.step()).toThrow('OneCycleLR: tried to step 5 times; totalSteps is 3');
  });

  it('SequentialLR puts a linear warmup in front of a schedule', () => {
    const opt = { paramGroups: [{ lr: 1 }] };
    const warmup = new lr.LinearLR(opt, { startFactor: 0.25, totalIters: 3 });
    const decay = new lr.StepLR(opt, { stepSize: 2, gamma: 0.5 });
    const s = new lr.SequentialLR(opt, { schedulers: [warmup, decay], milestones: [3] });
    const seen = [opt.paramGroups[0].lr];
    for (let t = 0; t < 6; ++t) {
      s.step();
      seen.push(opt.paramGroups[0].lr);
    }
    expect(seen).toEqual([0.25, 0.5, 0.75, 1, 1, 0.5, 0.5]);
  });
});

describe('lr option errors name the schedule and the value', () => {
  const opt = () => ({ paramGroups: [{ lr: 0.1 }, { lr: 0.2 }] });
  const cases: [string, () => unknown, string][] = [
    ['no groups', () => new lr.StepLR({ paramGroups: [] }, { stepSize: 1 }), 'StepLR: optimizer must have a non-empty paramGroups array'],
    ['bad lr', () => new lr.ExponentialLR({ paramGroups: [{ lr: NaN }] }, { gamma: 0.9 }), 'ExponentialLR: paramGroups[0].lr must be a finite number, got NaN'],
    ['stepSize', () => new lr.StepLR(opt(), { stepSize: 0 }), 'StepLR: stepSize must be an integer >= 1, got 0'],
    ['gamma', () => new lr.StepLR(opt(), { stepSize: 2, gamma: Infinity }), 'StepLR: gamma must be a finite number, got Infinity'],
    ['milestone', () => new lr.MultiStepLR(opt(), { milestones: [3, 2.5] }), 'MultiStepLR: milestones[1] must be an integer >= 0, got 2.5'],
    ['exp gamma', () => new lr.ExponentialLR(opt(), {} as lr.ExponentialLROptions), 'ExponentialLR: gamma must be a finite number, got undefined'],
    ['factor', () => new lr.ConstantLR(opt(), { factor: 1.5 }), 'ConstantLR: factor must be in [0, 1], got 1.5'],
    ['factor 0', () => new lr.ConstantLR(opt(), { factor: 0 }), 'ConstantLR: factor must be in (0, 1], got 0'],
    ['startFactor', () => new lr.LinearLR(opt(), { startFactor: 0 }), 'LinearLR: startFactor must be in (0, 1], got 0'],
    ['endFactor', () => new lr.LinearLR(opt(), { endFactor: -0.5 }), 'LinearLR: endFactor must be in [0, 1], got -0.5'],
    ['totalIters', () => new lr.LinearLR(opt(), { totalIters: 0 }), 'LinearLR: totalIters must be an integer >= 1, got 0'],
    ['lambdas', () => new lr.LambdaLR(opt(), { lrLambda: [() => 1] }), 'LambdaLR: expected 2 lrLambdas (one per param group), got 1'],
    ['lambda', () => new lr.MultiplicativeLR(opt(), { lrLambda: 3 as unknown as lr.LrLambda }), 'MultiplicativeLR: lrLambda[0] must be a function, got 3'],
    ['Tmax', () => new lr.CosineAnnealingLR(opt(), { Tmax: -4 }), 'CosineAnnealingLR: Tmax must be an integer >= 1, got -4'],
    ['etaMin', () => new lr.CosineAnnealingLR(opt(), { Tmax: 4, etaMin: NaN }), 'CosineAnnealingLR: etaMin must be a finite number, got NaN'],
    ['T0', () => new lr.CosineAnnealingWarmRestarts(opt(), { T0: 2.5 }), 'CosineAnnealingWarmRestarts: T0 must be an integer >= 1, got 2.5'],
    ['Tmult', () => new lr.CosineAnnealingWarmRestarts(opt(), { T0: 2, Tmult: 0 }), 'CosineAnnealingWarmRestarts: Tmult must be an integer >= 1, got 0'],
    ['warmupSteps', () => new lr.InverseSqrtLR(opt(), { warmupSteps: -1 }), 'InverseSqrtLR: warmupSteps must be an integer >= 0, got -1'],
    ['decayRate', () => new lr.InverseTimeLR(opt(), { decayRate: -0.1 }), 'InverseTimeLR: decayRate must be >= 0, got -0.1'],
    ['k', () => new lr.ExponentialDecayLR(opt(), { k: -1 }), 'ExponentialDecayLR: k must be >= 0, got -1'],
    ['totalSteps', () => new lr.SqrtDecayLR(opt(), { totalSteps: 0 }), 'SqrtDecayLR: totalSteps must be an integer >= 1, got 0'],
    ['cyclic maxLr', () => new lr.CyclicLR(opt(), { baseLr: 0.01, maxLr: [0.1] }), 'CyclicLR: expected 2 values for maxLr (one per param group), got 1'],
    ['cyclic stepSizeDown', () => new lr.CyclicLR(opt(), { baseLr: 0.01, maxLr: 0.1, stepSizeDown: 0 }), 'CyclicLR: stepSizeDown must be > 0, got 0'],
    ['cyclic mode', () => new lr.CyclicLR(opt(), { baseLr: 0.01, maxLr: 0.1, mode: 'sine' as lr.CyclicMode }), "CyclicLR: mode must be one of 'triangular', 'triangular2', 'exp_range', got sine"],
    ['one-cycle steps', () => new lr.OneCycleLR(opt(), { maxLr: 0.1 }), 'OneCycleLR: give totalSteps, or both epochs and stepsPerEpoch'],
    ['one-cycle epochs', () => new lr.OneCycleLR(opt(), { maxLr: 0.1, epochs: 0, stepsPerEpoch: 3 }), 'OneCycleLR: epochs must be an integer >= 1, got 0'],
    ['pctStart', () => new lr.OneCycleLR(opt(), { maxLr: 0.1, totalSteps: 10, pctStart: 1.2 }), 'OneCycleLR: pctStart must be in [0, 1], got 1.2'],
    ['anneal', () => new lr.OneCycleLR(opt(), { maxLr: 0.1, totalSteps: 10, annealStrategy: 'exp' as 'cos' }), "OneCycleLR: annealStrategy must be one of 'cos', 'linear', got exp"],
    ['plateau mode', () => new lr.ReduceLROnPlateau(opt(), { mode: 'low' as 'min' }), "ReduceLROnPlateau: mode must be one of 'min', 'max', got low"],
    ['plateau factor', () => new lr.ReduceLROnPlateau(opt(), { factor: 1 }), 'ReduceLROnPlateau: factor must be < 1, got 1'],
    ['plateau patience', () => new lr.ReduceLROnPlateau(opt(), { patience: -2 }), 'ReduceLROnPlateau: patience must be an integer >= 0, got -2'],
    ['plateau thresholdMode', () => new lr.ReduceLROnPlateau(opt(), { thresholdMode: 'pct' as 'rel' }), "ReduceLROnPlateau: thresholdMode must be one of 'rel', 'abs', got pct"],
    ['plateau minLr', () => new lr.ReduceLROnPlateau(opt(), { minLr: [0, 0, 0] }), 'ReduceLROnPlateau: expected 2 values for minLr (one per param group), got 3'],
    ['plateau metric', () => new lr.ReduceLROnPlateau(opt()).step(NaN), 'ReduceLROnPlateau.step: metric must be a number, got NaN'],
  ];
  for (const [name, make, message] of cases) {
    it(name, () => expect(make).toThrow(message));
  }

  it('SequentialLR checks its schedulers and milestones', () => {
    const o = opt();
    const a = new lr.LinearLR(o);
    const b = new lr.ExponentialLR(o, { gamma: 0.9 });
    const other = new lr.ExponentialLR(opt(), { gamma: 0.9 });
    expect(() => new lr.SequentialLR(o, { schedulers: [a, other], milestones: [3] })).toThrow(
      'SequentialLR: schedulers[1] drives a different optimizer than the one given',
    );
    expect(() => new lr.SequentialLR(o, { schedulers: [a, b], milestones: [3, 5] })).toThrow(
      'SequentialLR: expected 1 milestones for 2 schedulers, got 2',
    );
    expect(() => new lr.SequentialLR(o, { schedulers: [a, b, b], milestones: [5, 5] })).toThrow(
      'SequentialLR: milestones must increase, got 5 then 5',
    );
    expect(() => new lr.SequentialLR(o, { schedulers: [], milestones: [] })).toThrow(
      'SequentialLR: schedulers must be a non-empty array',
    );
  });
});
