// Gradient clipping over parameters' .grad, in place (torch.nn.utils.clip_grad_norm_ /
// clip_grad_value_, and NFNets' adaptive gradient clipping). Built from kiln's ops, so each
// clip is a few native passes per gradient.
import { noGrad } from '../autograd/grad_mode';
import { where } from '../ops/arith';
import { scope } from '../scope';
import { isTensor } from '../tensor/brand';
import type { Tensor } from '../tensor/tensor';

/** The parameters of `params` that have a gradient, and those gradients. */
function gradsOf(fn: string, params: Tensor | Iterable<Tensor>): [Tensor, Tensor][] {
  const list = isTensor(params) ? [params] : [...params];
  const out: [Tensor, Tensor][] = [];
  list.forEach((p, i) => {
    if (!isTensor(p)) throw new TypeError(`${fn}: parameter ${i} is not a Tensor (got ${typeof p})`);
    if (p.grad !== null) out.push([p, p.grad]);
  });
  return out;
}

function checkFinite(fn: string, name: string, value: unknown, min = 0): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) throw new RangeError(`${fn}: invalid ${name} ${String(value)} (must be a finite number >= ${min})`);
}

export interface ClipGradNormOptions {
  /** Throw when the total norm is NaN or infinite instead of scaling by it (default false). */
  errorIfNonfinite?: boolean;
}

/**
 * Scales all gradients by min(1, maxNorm / (total + 1e-6)), where total is the normType norm
 * of all gradients taken together (torch.nn.utils.clip_grad_norm_). normType is any p > 0, or
 * Infinity / 'inf' for the largest absolute value. Returns the total norm (before clipping).
 */
export function clipGradNorm(params: Tensor | Iterable<Tensor>, maxNorm: number, normType: number | 'inf' = 2, options: ClipGradNormOptions = {}): number {
  checkFinite('clipGradNorm', 'maxNorm', maxNorm);
  const p = normType === 'inf' ? Infinity : normType;
  if (typeof p !== 'number' || !(p > 0)) throw new RangeError(`clipGradNorm: invalid normType ${String(normType)} (must be a number > 0, Infinity or 'inf')`);
  const grads = gradsOf('clipGradNorm', params);
  if (grads.length === 0) return 0;
  // Each gradient's norm in its dtype, combined in double: the norm of the norms.
  let total = 0;
  scope(() => {
    for (const [, g] of grads) {
      const n = g.norm(p).item();
      total = p === Infinity ? Math.max(total, n) : total + n ** p;
    }
  });
  if (p !== Infinity) total = total ** (1 / p);
  if (!Number.isFinite(total) && options.errorIfNonfinite) {
    throw new Error(`clipGradNorm: the total norm of order ${p} of the gradients is ${total}, so they cannot be clipped (pass errorIfNonfinite: false to scale them anyway)`);
  }
  const coef = maxNorm / (total + 1e-6);
  if (!(coef >= 1)) noGrad(() => grads.forEach(([, g]) => g.mul_(coef)));
  return total;
}

/** Clamps every gradient element to [-clipValue, clipValue] (torch.nn.utils.clip_grad_value_). */
export function clipGradValue(params: Tensor | Iterable<Tensor>, clipValue: number): void {
  checkFinite('clipGradValue', 'clipValue', clipValue);
  const grads = gradsOf('clipGradValue', params);
  noGrad(() => grads.forEach(([, g]) => g.clamp_(-clipValue, clipValue)));
}

/**
 * Adaptive gradient clipping (AGC, Brock et al. 2021, "High-Performance Large-Scale Image
 * Recognition Without Normalization"; seed 002): per output unit (a row of a weight's first
 * dimension; a vector parameter is one unit), when ||g|| / max(||w||, eps) exceeds `clipping`
 * the unit's gradient is scaled to norm clipping·max(||w||, eps). As timm's adaptive_clip_grad.
 */
export function adaptiveClipGrad(params: Tensor | Iterable<Tensor>, clipping = 0.01, eps = 1e-3): void {
  checkFinite('adaptiveClipGrad', 'clipping', clipping);
  checkFinite('adaptiveClipGrad', 'eps', eps);
  for (const [w, g] of gradsOf('adaptiveClipGrad', params)) {
    scope(() =>
      noGrad(() => {
        const axes = w.ndim <= 1 ? null : Array.from({ length: w.ndim - 1 }, (_, i) => i + 1);
        const maxNorm = w.norm(2, axes, true).clamp(eps).mul(clipping);
        const gradNorm = g.norm(2, axes, true);
        g.mul_(where(gradNorm.lt(maxNorm), 1, maxNorm.div(gradNorm.clamp(1e-6))));
      }),
    );
  }
}
