// SAM (plain and adaptive) around SGD with momentum, against a float64 reimplementation of
// the algorithm (davda54/sam's first_step / second_step and PyTorch's SGD) on the problem of
// test/optim-problem.ts, with gradients from kiln's autograd at the reference's points.
import { describe, expect, it } from 'vitest';

import * as kiln from '../lib/index';
import { SAM, SGD } from '../lib/optim/index';
import { flatValues, loss, makeParams, names } from './optim-problem';

// The loss's gradient at flat values w (float64), from a separate set of parameters.
const probe = makeParams('float64');
function gradAt(w: number[]): number[] {
  let o = 0;
  kiln.noGrad(() => {
    for (const n of names) {
      probe[n].copy_(kiln.tensor(w.slice(o, o + probe[n].size), { shape: probe[n].shape, dtype: 'float64' }));
      o += probe[n].size;
    }
  });
  for (const n of names) probe[n].grad = null;
  kiln.scope(() => loss(probe).backward());
  return flatValues(Object.fromEntries(names.map((n) => [n, probe[n].grad as kiln.Tensor])));
}

/** The reference: SAM's two steps around SGD with momentum, in plain float64. */
function referenceTrajectory(steps: number, rho: number, adaptive: boolean, lr: number, momentum: number): number[][] {
  let w = flatValues(makeParams('float64'));
  let buf: number[] | null = null;
  const out: number[][] = [];
  for (let t = 0; t < steps; t++) {
    const g = gradAt(w);
    const s = w.map((x) => (adaptive ? Math.abs(x) : 1));
    const norm = Math.sqrt(g.reduce((acc, gi, i) => acc + (s[i] * gi) ** 2, 0));
    const scale = rho / (norm + 1e-12);
    const g2 = gradAt(w.map((x, i) => x + s[i] * s[i] * g[i] * scale));
    buf = buf === null ? g2 : buf.map((b, i) => momentum * b + g2[i]);
    const b = buf;
    w = w.map((x, i) => x - lr * b[i]);
    out.push(w);
  }
  return out;
}

describe('SAM', () => {
  it.each([false, true])('matches the float64 reference over 15 steps around SGD with momentum (adaptive %s)', (adaptive) => {
    const rho = adaptive ? 0.5 : 0.05;
    const want = referenceTrajectory(15, rho, adaptive, 0.05, 0.9);
    const p = makeParams('float64');
    const sam = new SAM(new SGD(names.map((n) => p[n]), { lr: 0.05, momentum: 0.9 }), { rho, adaptive });
    const closure = () => {
      const l = loss(p);
      l.backward();
      return l;
    };
    for (let t = 0; t < 15; t++) {
      sam.zeroGrad();
      kiln.scope(() => closure());
      const l = kiln.scope(() => sam.step(closure));
      expect(typeof l).toBe('number');
      const got = flatValues(p);
      got.forEach((v, i) => expect(Math.abs(v - want[t][i])).toBeLessThanOrEqual(1e-12 * (1 + Math.abs(want[t][i]))));
    }
  });

  it('firstStep()/secondStep() equal step(closure), share groups and state dict with the base', () => {
    const a = makeParams('float64');
    const b = makeParams('float64');
    const samA = new SAM(new SGD(names.map((n) => a[n]), { lr: 0.05, momentum: 0.9 }));
    const baseB = new SGD(names.map((n) => b[n]), { lr: 0.05, momentum: 0.9 });
    const samB = new SAM(baseB, { rho: 0.05 });
    expect(samB.paramGroups[0]).toBe(baseB.paramGroups[0]);
    expect(samB.paramGroups[0]).toMatchObject({ lr: 0.05, rho: 0.05, adaptive: false, momentum: 0.9 });
    samB.paramGroups[0].lr = 0.04; // a schedule setting lr through SAM drives the base
    samA.paramGroups[0].lr = 0.04;
    for (let t = 0; t < 4; t++) {
      samA.zeroGrad();
      kiln.scope(() => loss(a).backward());
      samA.step(() => kiln.scope(() => {
        const l = loss(a);
        l.backward();
        return l.item();
      }));
      samB.zeroGrad();
      kiln.scope(() => loss(b).backward());
      samB.firstStep(true);
      kiln.scope(() => loss(b).backward());
      samB.secondStep();
      expect(flatValues(b)).toEqual(flatValues(a));
    }
    const sd = samB.stateDict();
    expect(Object.keys(sd.state[0])).toEqual(['momentumBuffer']);
    expect(sd.paramGroups[0]).toMatchObject({ lr: 0.04, rho: 0.05 });
  });

  it('refuses bad use', () => {
    const w = kiln.zeros([2], { requiresGrad: true });
    expect(() => new SAM(new SGD([w]), { rho: -1 })).toThrow(/SAM: invalid rho -1/);
    const sam = new SAM(new SGD([w]));
    expect(() => sam.step()).toThrow(/SAM: step\(\) needs a closure/);
    w.grad = kiln.ones([2]);
    sam.firstStep();
    expect(() => sam.firstStep()).toThrow(/SAM: firstStep\(\) called twice without secondStep\(\)/);
  });
});

describe('SAM.addParamGroup', () => {
  it('adds the group to the base too, with SAM options only on the shared group', () => {
    const w = kiln.zeros([2], { requiresGrad: true });
    const v = kiln.zeros([3], { requiresGrad: true });
    const base = new SGD([w], { lr: 0.1 });
    const sam = new SAM(base, { rho: 0.1 });
    sam.addParamGroup({ params: [v], lr: 0.2, rho: 0.3 });
    expect(base.paramGroups).toHaveLength(2);
    expect(sam.paramGroups[1]).toBe(base.paramGroups[1]);
    expect(sam.paramGroups[1]).toMatchObject({ lr: 0.2, rho: 0.3, adaptive: false, momentum: 0 });
  });
});
