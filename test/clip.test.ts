// clipGradNorm, clipGradValue and adaptiveClipGrad against PyTorch's clip_grad_norm_,
// clip_grad_value_ and timm's adaptive_clip_grad (test/fixtures/optim_traj.json).
import { describe, expect, it } from 'vitest';

import * as kiln from '../lib/index';
import { adaptiveClipGrad, clipGradNorm, clipGradValue } from '../lib/optim/index';
import { fixture } from './optim-problem';

const clip = fixture.clip;

/** The fixture's three parameters with their gradients set. */
function params(): kiln.Tensor[] {
  let o = 0;
  return clip.shapes.map((shape) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const p = kiln.tensor(clip.weights.slice(o, o + n), { shape, requiresGrad: true });
    p.grad = kiln.tensor(clip.grads.slice(o, o + n), { shape });
    o += n;
    return p;
  });
}

const grads = (ps: kiln.Tensor[]): number[] => ps.flatMap((p) => Array.from((p.grad as kiln.Tensor).values()));

function expectClose(got: number[], want: number[], rtol: number): void {
  expect(got.length).toBe(want.length);
  got.forEach((g, i) => expect(Math.abs(g - want[i])).toBeLessThanOrEqual(rtol * Math.abs(want[i]) + 1e-7));
}

describe('clipGradNorm', () => {
  it.each(clip.norm.map((c) => [c.normType, c.maxNorm, c] as const))('normType %s, maxNorm %s: total norm and clipped gradients as PyTorch', (normType, maxNorm, c) => {
    const ps = params();
    const total = clipGradNorm(ps, maxNorm, normType);
    expect(Math.abs(total - c.total)).toBeLessThanOrEqual(1e-6 * c.total);
    expectClose(grads(ps), c.grads, 2e-6);
  });

  it('takes Infinity for the inf norm, skips gradient-less parameters, returns 0 without gradients', () => {
    const ps = params();
    const inf = clip.norm.find((c) => c.normType === 'inf' && c.maxNorm < 1) as (typeof clip.norm)[number];
    const bare = kiln.tensor([100], { requiresGrad: true });
    expect(Math.abs(clipGradNorm([...ps, bare], inf.maxNorm, Infinity) - inf.total)).toBeLessThanOrEqual(1e-6 * inf.total);
    expect(bare.grad).toBeNull();
    expect(clipGradNorm([bare], 1)).toBe(0);
  });

  it('refuses a non-finite total with errorIfNonfinite, and bad arguments', () => {
    const p = kiln.tensor([1, 2], { requiresGrad: true });
    p.grad = kiln.tensor([1, Infinity]);
    expect(() => clipGradNorm(p, 1, 2, { errorIfNonfinite: true })).toThrow(/clipGradNorm: the total norm of order 2 of the gradients is Infinity/);
    expect(clipGradNorm(p, 1)).toBe(Infinity);
    expect(() => clipGradNorm(p, -1)).toThrow(/clipGradNorm: invalid maxNorm -1/);
    expect(() => clipGradNorm(p, 1, 0)).toThrow(/clipGradNorm: invalid normType 0/);
    expect(() => clipGradNorm([p, 3 as unknown as kiln.Tensor], 1)).toThrow(/clipGradNorm: parameter 1 is not a Tensor/);
  });
});

describe('clipGradValue', () => {
  it.each(clip.value.map((c) => [c.clipValue, c] as const))('clipValue %s as PyTorch', (clipValue, c) => {
    const ps = params();
    clipGradValue(ps, clipValue);
    expect(grads(ps)).toEqual(c.grads);
  });

  it('refuses a negative clipValue', () => {
    expect(() => clipGradValue(params(), -0.5)).toThrow(/clipGradValue: invalid clipValue -0.5/);
  });
});

describe('adaptiveClipGrad', () => {
  it.each(clip.agc.map((c) => [c.clipping, c.eps, c] as const))('clipping %s, eps %s as the reference (unit-wise)', (clipping, eps, c) => {
    const ps = params();
    adaptiveClipGrad(ps, clipping, eps);
    expectClose(grads(ps), c.grads, 2e-6);
  });

  it('leaves units under the threshold alone and caps the others at clipping·max(||w||, eps), in float64', () => {
    const w = kiln.tensor([[3, 4], [0, 0], [1, 0]], { dtype: 'float64', requiresGrad: true });
    w.grad = kiln.tensor([[0.03, 0], [1, 1], [0.5, 0]], { dtype: 'float64' });
    adaptiveClipGrad(w, 0.1, 1e-3);
    // Row 0: ||g|| 0.03 < 0.1·5 stays. Row 1: ||w|| 0 -> eps, capped at norm 1e-4. Row 2: capped at 0.1.
    const g = Array.from((w.grad as kiln.Tensor).values());
    expect(g[0]).toBe(0.03);
    expect(g[2]).toBeCloseTo(1e-4 / Math.SQRT2, 15);
    expect(g[3]).toBeCloseTo(1e-4 / Math.SQRT2, 15);
    expect(g[4]).toBeCloseTo(0.1, 15);
    expect(() => adaptiveClipGrad(w, -1)).toThrow(/adaptiveClipGrad: invalid clipping -1/);
  });
});
