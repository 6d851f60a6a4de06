// LBFGS on the Rosenbrock function: PyTorch's trajectories (test/fixtures/optim_traj.json;
// float64, with and without the strong Wolfe line search, a short history, loose tolerances),
// convergence to (1, 1) in float32 and float64, state dicts, the line search's pieces, errors.
import { describe, expect, it } from 'vitest';

import * as kiln from '../lib/index';
import { cubicInterpolate, LBFGS, type LBFGSOptions } from '../lib/optim/index';
import { fixture } from './optim-problem';

function rosenbrock(xy: kiln.Tensor): kiln.Tensor {
  const x = xy.select(0, 0);
  const y = xy.select(0, 1);
  return kiln.sub(1, x).square().add(y.sub(x.square()).square().mul(100));
}

function setup(options: Partial<LBFGSOptions>, dtype: 'float32' | 'float64' = 'float64') {
  const xy = kiln.tensor([-1.5, 2], { dtype, requiresGrad: true });
  const opt = new LBFGS([xy], options);
  let evals = 0;
  const closure = () =>
    kiln.scope(() => {
      opt.zeroGrad();
      const l = rosenbrock(xy);
      l.backward();
      evals++;
      return l.item();
    });
  return { xy, opt, closure, evals: () => evals };
}

describe('LBFGS', () => {
  // Rounding differences (kiln's and PyTorch's gradients differ in the last bits) grow near
  // the solution, where the curvature pairs lose precision: 1e-9 for the first two calls (up
  // to 20 iterations each), 1e-6 after.
  it.each(fixture.lbfgs.map((c) => [JSON.stringify(c.options), c] as const))("follows PyTorch's trajectory on Rosenbrock: %s", (_n, c) => {
    const { xy, opt, closure, evals } = setup(c.options as Partial<LBFGSOptions>);
    for (let k = 0; k < c.points.length; k++) {
      const rtol = k < 2 ? 1e-9 : 1e-6;
      const loss = opt.step(closure) as number;
      expect(Math.abs(loss - c.losses[k])).toBeLessThanOrEqual(rtol * Math.abs(c.losses[k]) + (k < 2 ? 1e-12 : 1e-7));
      const got = Array.from(xy.values());
      got.forEach((v, i) => expect(Math.abs(v - c.points[k][i])).toBeLessThanOrEqual(rtol * Math.abs(c.points[k][i]) + 1e-12));
      expect(evals()).toBe(c.evals[k]);
      expect(opt.state.get(xy)?.funcEvals).toBe(c.evals[k]);
    }
  });

  it.each(['float64', 'float32'] as const)('converges to (1, 1) with the strong Wolfe search (%s)', (dtype) => {
    const { xy, opt, closure } = setup({ lineSearchFn: 'strongWolfe' }, dtype);
    for (let k = 0; k < 10; k++) opt.step(closure);
    const [x, y] = Array.from(xy.values());
    const tol = dtype === 'float64' ? 1e-5 : 1e-3; // toleranceGrad 1e-7 stops PyTorch 2e-6 away too
    expect(Math.abs(x - 1)).toBeLessThan(tol);
    expect(Math.abs(y - 1)).toBeLessThan(tol);
  });

  it('continues the same trajectory after loadStateDict(stateDict())', () => {
    const a = setup({ lineSearchFn: 'strongWolfe', maxIter: 4, historySize: 3 });
    const b = setup({ lineSearchFn: 'strongWolfe', maxIter: 4, historySize: 3 });
    for (let k = 0; k < 3; k++) {
      a.opt.step(a.closure);
      b.opt.step(b.closure);
    }
    const sd = b.opt.stateDict();
    expect(Object.keys(sd.state)).toEqual(['0']);
    expect((sd.state[0].oldDirs as kiln.Tensor[]).length).toBeLessThanOrEqual(3);
    const c = setup({ lineSearchFn: 'strongWolfe', maxIter: 4, historySize: 3 });
    kiln.noGrad(() => c.xy.copy_(b.xy));
    c.opt.loadStateDict(sd);
    for (let k = 0; k < 3; k++) {
      a.opt.step(a.closure);
      c.opt.step(c.closure);
      expect(Array.from(c.xy.values())).toEqual(Array.from(a.xy.values()));
    }
  });

  it('cubicInterpolate finds the minimum of a cubic and falls back to the middle', () => {
    // f(x) = x^3 - 3x: minimum at 1 on [0, 2]; f' = 3x^2 - 3.
    const f = (x: number) => x ** 3 - 3 * x;
    const df = (x: number) => 3 * x * x - 3;
    expect(cubicInterpolate(0, f(0), df(0), 2, f(2), df(2))).toBeCloseTo(1, 12);
    expect(cubicInterpolate(2, f(2), df(2), 0, f(0), df(0))).toBeCloseTo(1, 12);
    expect(cubicInterpolate(0, f(0), df(0), 2, f(2), df(2), [1.5, 3])).toBe(1.5);
    // f = x^3 - 1.5x^2 + 3x - ... : slopes 3 at 0 and 1, rising by 2: no stationary point, the middle.
    expect(cubicInterpolate(0, 0, 3, 1, 2, 3)).toBe(0.5);
  });

  it('refuses bad options and use', () => {
    const w = kiln.zeros([2], { requiresGrad: true });
    expect(() => new LBFGS([{ params: [w] }, { params: [kiln.zeros([1], { requiresGrad: true })] }])).toThrow(/LBFGS: doesn't support per-parameter options/);
    expect(() => new LBFGS([w], { historySize: 0 })).toThrow(/LBFGS: invalid historySize 0/);
    expect(() => new LBFGS([w], { lineSearchFn: 'armijo' as 'strongWolfe' })).toThrow(/LBFGS: invalid lineSearchFn "armijo"/);
    expect(() => new LBFGS([w, kiln.zeros([1], { dtype: 'float64', requiresGrad: true })])).toThrow(/LBFGS: all parameters must share one dtype, got float32 and float64/);
    expect(() => new LBFGS([w]).step()).toThrow(/LBFGS: step\(\) needs a closure/);
  });
});
