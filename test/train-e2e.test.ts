// End to end against PyTorch (test/fixtures/train_e2e.json from gen_train_e2e.py): an MLP and
// a small CNN start from PyTorch's initial weights (loaded through loadStateDict, so the
// state-dict names must match PyTorch's), train 20 steps on the same batches with the public
// kiln.nn, kiln.optim and kiln.optim.lr, and must give PyTorch's loss at every step, its final
// parameters and BatchNorm running statistics, and its eval-mode logits afterwards.
import { readFileSync } from 'fs';
import * as path from 'path';

import { describe, expect, it } from 'vitest';

import * as kiln from '../lib/index';
import { nn, optim } from '../lib/index';
import { eachIsa, restoreBackendAfterEach } from './helpers';
import { expectClose, stateTensors, type StateEntry } from './nn-helpers';

interface Problem {
  init: Record<string, StateEntry>;
  inputShape: number[];
  inputs: number[][];
  targets: number[][];
}

type Schedule = { kind: 'stepLR'; stepSize: number; gamma: number } | { kind: 'oneCycleLR'; maxLr: number; totalSteps: number; pctStart: number };

interface Run {
  name: string;
  model: 'mlp' | 'cnn';
  optimizer: 'sgd' | 'adamw';
  options: { lr: number; momentum?: number; weightDecay: number; betas?: [number, number] };
  noDecayOnBias?: boolean;
  labelSmoothing?: number;
  clipGradNorm?: number;
  schedule?: Schedule;
  dtype: 'float32' | 'float64';
  losses: number[];
  lrs: number[];
  gradNorms: number[];
  final: Record<string, number[]>;
  evalLogits: number[];
}

const fixture: { steps: number; problems: Record<'mlp' | 'cnn', Problem>; runs: Run[] } = JSON.parse(
  readFileSync(path.join(__dirname, 'fixtures', 'train_e2e.json'), 'utf8'),
);

/** The same networks as gen_train_e2e.py builds in PyTorch, layer for layer. */
const builders: Record<'mlp' | 'cnn', () => nn.Module> = {
  mlp: () => new nn.Sequential(new nn.Linear(12, 16), new nn.ReLU(), new nn.Linear(16, 16), new nn.ReLU(), new nn.Linear(16, 5)),
  cnn: () =>
    new nn.Sequential(
      new nn.Conv2d(2, 4, 3, { padding: 1, bias: false }),
      new nn.BatchNorm2d(4),
      new nn.ReLU(),
      new nn.MaxPool2d(2),
      new nn.Conv2d(4, 6, 3, { padding: 1 }),
      new nn.ReLU(),
      new nn.AdaptiveAvgPool2d(2),
      new nn.Flatten(),
      new nn.Linear(24, 3),
    ),
};

// Losses and lrs are compared relatively (the bar); parameters, whose small entries
// carry the rounding of twenty steps, as |got - want| <= tol·(1 + |want|). Measured: at most
// 2.4e-7 (float32) and 3e-16 (float64) on both; dropping the weight decay, switching on
// nesterov or changing AdamW's eps in PyTorch moves the final parameters by 2e-4 or more.
const LOSS_TOL = { float32: 1e-4, float64: 1e-10 };
const PARAM_TOL = { float32: 1e-5, float64: 1e-10 };

function expectRelative(got: number[], want: number[], tol: number, what: string): void {
  expect(got.length, `${what} length`).toBe(want.length);
  const bad = want.findIndex((w, i) => !(Math.abs(got[i] - w) <= tol * Math.abs(w)));
  expect(bad < 0 ? 'all close' : `${what}[${bad}]: got ${got[bad]}, want ${want[bad]} (all: ${got.join(', ')})`).toBe('all close');
}

function buildModel(run: Pick<Run, 'model' | 'dtype'>): nn.Module {
  const model = builders[run.model]().to(run.dtype);
  model.loadStateDict(stateTensors(fixture.problems[run.model].init, run.dtype));
  return model;
}

function buildOptimizer(run: Run, model: nn.Module): optim.Optimizer {
  const { betas, momentum, ...common } = run.options;
  const named = model.namedParameters();
  const params = run.noDecayOnBias
    ? [
        { params: named.filter(([n]) => !n.endsWith('bias')).map(([, p]) => p) },
        { params: named.filter(([n]) => n.endsWith('bias')).map(([, p]) => p), weightDecay: 0 },
      ]
    : model.parameters();
  return run.optimizer === 'sgd' ? new optim.SGD(params, { ...common, ...(momentum !== undefined && { momentum }) }) : new optim.AdamW(params, { ...common, ...(betas && { betas }) });
}

function buildSchedule(run: Run, opt: optim.Optimizer): optim.lr.LRScheduler | null {
  const s = run.schedule;
  if (s === undefined) return null;
  if (s.kind === 'stepLR') return new optim.lr.StepLR(opt, { stepSize: s.stepSize, gamma: s.gamma });
  return new optim.lr.OneCycleLR(opt, { maxLr: s.maxLr, totalSteps: s.totalSteps, pctStart: s.pctStart });
}

/** What a run records at every step. */
interface StepRecord {
  losses: number[];
  lrs: number[];
  gradNorms: number[];
}

/** One training setup: the model from the fixture's initial weights, its optimizer and schedule. */
interface Session {
  model: nn.Module;
  opt: optim.Optimizer;
  sched: optim.lr.LRScheduler | null;
}

function setUp(run: Run): Session {
  const model = buildModel(run);
  model.train();
  const opt = buildOptimizer(run, model);
  return { model, opt, sched: buildSchedule(run, opt) };
}

/**
 * gen_train_e2e.py's loop over steps [from, to): zeroGrad, forward, loss, backward, clipping
 * if the run clips, step, then the schedule's step (per step, not per epoch). `afterStep`
 * looks on after each.
 */
function runSteps(run: Run, { model, opt, sched }: Session, from: number, to: number, rec: StepRecord, afterStep?: () => void): void {
  const problem = fixture.problems[run.model];
  const lossFn = new nn.CrossEntropyLoss({ labelSmoothing: run.labelSmoothing ?? 0 });
  const xs = problem.inputs.map((x) => kiln.tensor(x, { shape: problem.inputShape, dtype: run.dtype }).keep());
  const ys = problem.targets.map((y) => kiln.tensor(y, { dtype: 'int32' }).keep());
  for (let step = from; step < to; step++) {
    const b = step % xs.length;
    rec.lrs.push(opt.paramGroups[0].lr);
    opt.zeroGrad();
    rec.losses.push(
      kiln.scope(() => {
        const loss = lossFn.forward(model.forward(xs[b]), ys[b]);
        loss.backward();
        return loss.item();
      }),
    );
    if (run.clipGradNorm !== undefined) rec.gradNorms.push(optim.clipGradNorm(model.parameters(), run.clipGradNorm));
    opt.step();
    sched?.step();
    afterStep?.();
  }
}

const newRecord = (): StepRecord => ({ losses: [], lrs: [], gradNorms: [] });

/** All of `run`'s steps in one session. */
function train(run: Run, afterStep?: () => void): StepRecord & { model: nn.Module } {
  const session = setUp(run);
  const rec = newRecord();
  runSteps(run, session, 0, fixture.steps, rec, afterStep);
  return { ...rec, model: session.model };
}

/**
 * Trains `run` and compares every recorded step, the final state and the eval-mode logits;
 * failures name `where` (the backend setting) and the run.
 */
function expectRunMatches(run: Run, where = '', trained: StepRecord & { model: nn.Module } = train(run)): void {
  const at = (what: string): string => `${where}${run.name} (${run.dtype}): ${what}`;
  const { model, losses, lrs, gradNorms } = trained;
  expectRelative(lrs, run.lrs, 1e-12, at('lr'));
  expectRelative(gradNorms, run.gradNorms, LOSS_TOL[run.dtype], at('gradient norm before clipping'));
  expectRelative(losses, run.losses, LOSS_TOL[run.dtype], at('loss'));
  const state = model.stateDict();
  for (const [k, want] of Object.entries(run.final)) {
    const got = state[k];
    expect(got, at(k)).toBeDefined();
    // num_batches_tracked is exact; running statistics and parameters carry rounding.
    if (got.dtype === 'int32') expect(Array.from(got.values()), at(k)).toEqual(want);
    else expectClose(got, want, PARAM_TOL[run.dtype], at(k));
  }
  // Eval mode: BatchNorm normalizes with the running statistics PyTorch ended with.
  model.eval();
  const problem = fixture.problems[run.model];
  const logits = kiln.noGrad(() => model.forward(kiln.tensor(problem.inputs[0], { shape: problem.inputShape, dtype: run.dtype })));
  expectClose(logits, run.evalLogits, PARAM_TOL[run.dtype], at('eval logits'));
}

describe('training end to end matches PyTorch step by step', () => {
  it('the kiln models have PyTorch state-dict names, shapes and parameter order', () => {
    for (const name of ['mlp', 'cnn'] as const) {
      const model = builders[name]();
      const state = model.stateDict();
      const want = Object.keys(fixture.problems[name].init);
      expect(Object.keys(state), name).toEqual(want);
      for (const k of want) expect(state[k].shape, `${name} ${k}`).toEqual(fixture.problems[name].init[k].shape);
    }
  });

  it('covers both models, both optimizers, both schedules, clipping and both dtypes', () => {
    const kinds = new Set(fixture.runs.map((r) => `${r.model} ${r.optimizer} ${r.schedule?.kind ?? 'constant'} ${r.dtype}`));
    for (const k of ['mlp sgd constant', 'mlp adamw constant', 'mlp sgd stepLR', 'cnn sgd constant', 'cnn adamw constant', 'cnn adamw oneCycleLR']) {
      for (const dtype of ['float32', 'float64']) expect(kinds.has(`${k} ${dtype}`), `${k} ${dtype}`).toBe(true);
    }
    expect(fixture.steps).toBe(20);
    // Clipping is active (the norm exceeds the bound) on most steps of the clipped run.
    const clipped = fixture.runs.find((r) => r.clipGradNorm !== undefined)!;
    expect(clipped.gradNorms.filter((n) => n > clipped.clipGradNorm!).length).toBeGreaterThan(fixture.steps / 2);
  });

  for (const run of fixture.runs) {
    it(`${run.name} (${run.dtype})`, () => expectRunMatches(run));
  }

  describe('on every ISA path, with 1 and 2 threads', () => {
    restoreBackendAfterEach();
    for (const threads of [1, 2]) {
      it(`float32 runs, ${threads} thread(s)`, () => {
        kiln.setNumThreads(threads);
        eachIsa(() => {
          const where = `${kiln.backendInfo().isa}, ${threads} thread(s): `;
          for (const run of fixture.runs.filter((r) => r.dtype === 'float32')) expectRunMatches(run, where);
        });
      });
    }
  });

  // A checkpoint as a training script takes one: new objects built as at the start, then the
  // model's, optimizer's and schedule's state dicts loaded in PyTorch's order.
  for (const run of fixture.runs.filter((r) => r.dtype === 'float64' && (r.schedule !== undefined || r.clipGradNorm !== undefined))) {
    it(`resumed from a checkpoint at step 10, continues PyTorch's trajectory: ${run.name}`, () => {
      const first = setUp(run);
      const rec = newRecord();
      runSteps(run, first, 0, 10, rec);
      const resumed = setUp(run);
      resumed.model.loadStateDict(first.model.stateDict());
      resumed.opt.loadStateDict(first.opt.stateDict());
      if (first.sched !== null) resumed.sched!.loadStateDict(first.sched.stateDict());
      // The first session trains on: the resumed one must share none of its tensors.
      runSteps(run, first, 10, 12, newRecord());
      runSteps(run, resumed, 10, fixture.steps, rec);
      expectRunMatches(run, 'resumed: ', { ...rec, model: resumed.model });
    });
  }

  it('a step leaves no tensors behind: the live count never grows from one step to the next', () => {
    const run = fixture.runs.find((r) => r.schedule?.kind === 'oneCycleLR' && r.dtype === 'float32')!;
    const live: number[] = [];
    train(run, () => live.push(kiln.memory().tensors));
    expect(live.length).toBe(fixture.steps);
    // Finalizers may free earlier tests' tensors meanwhile, so the count may fall, never rise.
    const grew = live.findIndex((n, i) => i > 0 && n > live[i - 1]);
    expect(grew, `live tensors after each step: ${live.join(' ')}`).toBe(-1);
  });

  it('train() and eval() reach BatchNorm: eval-mode logits differ from training-mode ones and leave the running statistics alone', () => {
    const run = fixture.runs.find((r) => r.model === 'cnn' && r.dtype === 'float64')!;
    const model = buildModel(run);
    const problem = fixture.problems.cnn;
    const x = kiln.tensor(problem.inputs[0], { shape: problem.inputShape, dtype: 'float64' });
    const bn = (model as nn.Sequential).at(1) as nn.BatchNorm2d;
    const before = Array.from(bn.runningMean!.values());
    const evalOut = kiln.noGrad(() => model.eval().forward(x)).values();
    expect(Array.from(bn.runningMean!.values())).toEqual(before);
    expect(bn.numBatchesTracked!.item()).toBe(0);
    const trainOut = kiln.noGrad(() => model.train().forward(x)).values();
    expect(bn.numBatchesTracked!.item()).toBe(1);
    expect(Array.from(bn.runningMean!.values())).not.toEqual(before);
    expect(Math.max(...Array.from(evalOut, (v, i) => Math.abs(v - trainOut[i])))).toBeGreaterThan(1e-3);
  });
});
