// scheduleFreeAdamWStep / scheduleFreeSwitch and lib/optim-math's scheduleFreeScalars against
// an independent float64 implementation of schedule-free AdamW (Defazio et al. 2024, "The
// Road Less Scheduled") as the reference algorithm states it: three explicit sequences,
//   z_{t+1} = z_t - lr_t·wd·y_t - lr_t·g_t / (sqrt(v_t / (1 - beta2^t)) + eps)
//   x_{t+1} = (1 - c_{t+1})·x_t + c_{t+1}·z_{t+1}
//   y_{t+1} = beta1·x_{t+1} + (1 - beta1)·z_{t+1}
// with the gradient taken at y, linear warmup of lr, and c_{t+1} = weight / weight_sum,
// weight = t^r · lr_max^weight_lr_power. The kernel never stores x: it updates y in place.
import { describe, expect, it } from 'vitest';

import { native } from '../lib/native';
import { scheduleFreeInitialState, scheduleFreeScalars } from '../lib/optim-math';
import { bytes, restoreBackendAfterEach } from './helpers';
import { Reference, type Hyper } from './schedulefree-reference';

const hypers: Hyper[] = [];
for (const weightDecay of [0, 0.05])
  for (const warmupSteps of [0, 8])
    for (const r of [0, 1])
      hypers.push({ lr: 0.02, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay, warmupSteps, r, weightLrPower: 2 });

type Ctor = Float32ArrayConstructor | Float64ArrayConstructor;
// Trajectories accumulate rounding over 40 steps, so fp32 gets a bound well above one step's.
const dtypes: [Ctor, number][] = [
  [Float32Array, 1e-4],
  [Float64Array, 1e-10],
];
const steps = 40;
const { supportedIsas } = native.backendInfo();

// Gradient of a quadratic bowl at y plus a step-dependent wobble, so y matters.
const gradAt = (y: number, i: number, step: number) => 0.5 * (y - Math.sin(i)) + 0.3 * Math.sin(0.37 * i + 1.3 * step);

function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, tol: number): void {
  let worst = 0;
  for (let i = 0; i < want.length; ++i) worst = Math.max(worst, Math.abs(got[i] - want[i]) / (tol + tol * Math.abs(want[i])));
  expect(worst).toBeLessThanOrEqual(1);
}

restoreBackendAfterEach();

describe('scheduleFreeScalars', () => {
  it('gives the reference step\'s lr and c, warmup and polynomial weighting included', () => {
    for (const h of hypers) {
      const ref = new Reference([0], h);
      let state = scheduleFreeInitialState;
      for (let t = 1; t <= steps; ++t) {
        const { lr, c } = ref.step([0]);
        const s = scheduleFreeScalars(state, h);
        expect(s.step).toBe(t);
        expect(s.lr).toBeCloseTo(lr, 15);
        expect(s.ckp1).toBeCloseTo(c, 14);
        state = s.next;
      }
      expect(state.steps).toBe(steps);
    }
    // lr 0 gives weight 0 and weight_sum 0: the reference's ZeroDivisionError case, c = 0.
    expect(scheduleFreeScalars(scheduleFreeInitialState, { lr: 0, warmupSteps: 0, r: 0, weightLrPower: 2 }).ckp1).toBe(0);
  });
});

describe('scheduleFreeAdamWStep', () => {
  it.each(supportedIsas)('follows the reference algorithm over 40 steps with warmup, weight decay and eval/train switches (%s)', (isa) => {
    native.setIsa(isa);
    for (const [Arr, tol] of dtypes)
      for (const h of hypers)
        for (const n of [0, 1, 7, 17, 1023]) {
          const p0 = Array.from({ length: n }, (_, i) => 2 * Math.cos(0.11 * i));
          const ref = new Reference(p0, h);
          const y = Arr.from(p0);
          const z = Arr.from(p0);
          const v = new Arr(n);
          const g = new Arr(n);
          let state = scheduleFreeInitialState;
          for (let t = 1; t <= steps; ++t) {
            for (let i = 0; i < n; ++i) g[i] = gradAt(ref.y[i], i, t);
            ref.step(g);
            const s = scheduleFreeScalars(state, h);
            state = s.next;
            native.scheduleFreeAdamWStep(y, g, z, v, s.lr, s.ckp1, h.beta1, h.beta2, h.eps, h.weightDecay, s.step);
            expectClose(y, ref.y, tol);
            expectClose(z, ref.z, tol);
            expectClose(v, ref.v, tol);
            if (t % 10 === 0) {
              // eval: the parameter becomes the average x; train: back to y.
              native.scheduleFreeSwitch(y, z, h.beta1, true);
              expectClose(y, ref.x, tol);
              native.scheduleFreeSwitch(y, z, h.beta1, false);
              expectClose(y, ref.y, tol);
            }
          }
        }
  });

  it.each(supportedIsas)('is bit-identical at 1 and 2 threads on a split array (%s)', (isa) => {
    native.setIsa(isa);
    const n = 100001;
    const run = (threads: number, wd: number) => {
      native.setNumThreads(threads);
      const y = Float32Array.from({ length: n }, (_, i) => Math.cos(i));
      const z = Float32Array.from({ length: n }, (_, i) => Math.cos(1.1 * i));
      const v = new Float32Array(n);
      const g = Float32Array.from({ length: n }, (_, i) => Math.sin(i));
      for (let step = 1; step <= 3; ++step) native.scheduleFreeAdamWStep(y, g, z, v, 0.01, 1 / step, 0.9, 0.999, 1e-8, wd, step);
      native.scheduleFreeSwitch(y, z, 0.9, true);
      return Buffer.concat([bytes(y), bytes(z), bytes(v)]);
    };
    for (const wd of [0, 0.1]) expect(run(1, wd).equals(run(2, wd))).toBe(true);
  });

  it('refuses bad arguments with messages naming the kernel and the argument', () => {
    const a = () => new Float32Array(5);
    const call = (...x: unknown[]) => (native.scheduleFreeAdamWStep as unknown as (...y: unknown[]) => void)(...x);
    const good = [0.01, 1, 0.9, 0.999, 1e-8, 0, 1];
    expect(() => call(a(), a(), a(), a(), ...good)).not.toThrow();
    expect(() => call(a(), a(), a(), ...good)).toThrow(/scheduleFreeAdamWStep: expected 11 arguments, got 10/);
    expect(() => call(a(), a(), new Float32Array(4), a(), ...good)).toThrow(/scheduleFreeAdamWStep: argument 'z' has 4 elements, expected 5 \(the length of 'y'\)/);
    expect(() => call(a(), a(), a(), null, ...good)).toThrow(/scheduleFreeAdamWStep: argument 'v' must be a Float32Array, got null/);
    expect(() => call(new Uint8Array(5), a(), a(), a(), ...good)).toThrow(/scheduleFreeAdamWStep: argument 'y' must be a Float32Array or Float64Array, got Uint8Array/);
    expect(() => call(a(), a(), a(), a(), 0.01, 1.5, 0.9, 0.999, 1e-8, 0, 1)).toThrow(/scheduleFreeAdamWStep: argument 'ckp1' must be in \[0, 1\], got 1.5/);
    expect(() => call(a(), a(), a(), a(), 0.01, 1, 1, 0.999, 1e-8, 0, 1)).toThrow(/scheduleFreeAdamWStep: argument 'beta1' must be in \[0, 1\)/);
    expect(() => call(a(), a(), a(), a(), 0.01, 1, 0.9, 0.999, 1e-8, -0.1, 1)).toThrow(/scheduleFreeAdamWStep: argument 'weightDecay' must be >= 0/);
    expect(() => call(a(), a(), a(), a(), 0.01, 1, 0.9, 0.999, 1e-8, 0, 0)).toThrow(/scheduleFreeAdamWStep: argument 'step' must be >= 1/);
    const z = a();
    structuredClone(z, { transfer: [z.buffer] });
    expect(() => call(a(), a(), z, a(), ...good)).toThrow(/scheduleFreeAdamWStep: argument 'z' is backed by a detached ArrayBuffer/);

    const sw = (...x: unknown[]) => (native.scheduleFreeSwitch as unknown as (...y: unknown[]) => void)(...x);
    expect(() => sw(a(), a(), 0.9, true)).not.toThrow();
    expect(() => sw(a(), a(), 0, true)).toThrow(/scheduleFreeSwitch: argument 'beta1' must be in \(0, 1\), got 0/);
    expect(() => sw(a(), new Float64Array(5), 0.9, true)).toThrow(/scheduleFreeSwitch: argument 'z' must be a Float32Array, got Float64Array/);
    expect(() => sw(a(), a(), 0.9, 'eval')).toThrow(/scheduleFreeSwitch: argument 'toEval' must be a boolean/);
  });
});
