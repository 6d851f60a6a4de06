// Sharpness-aware minimization (Foret et al. 2021; seed 002) around any optimizer, as the
// widely used PyTorch SAM (davda54/sam): an ascent to w + e(w) inside a rho-ball, the
// gradient there, then the base optimizer's step from w with that gradient.
import { enableGrad, noGrad } from '../autograd/grad_mode';
import { scope } from '../scope';
import type { Tensor } from '../tensor/tensor';
import { checkNonNegative, lossValue, Optimizer, type Closure, type OptimizerStateDict, type ParamGroup, type ParamGroupSpec } from './optimizer';

export interface SAMOptions {
  /** Radius of the neighbourhood the ascent step explores (default 0.05). */
  rho: number;
  /** Adaptive SAM (ASAM, Kwon et al. 2021): scale the ascent element-wise by |w| (default false). */
  adaptive: boolean;
}

/**
 * SAM wrapping a base optimizer: `new SAM(new SGD(params, { lr: 0.1, momentum: 0.9 }), { rho: 0.05 })`.
 * Its paramGroups are the base's (with rho and adaptive added), so schedules drive both.
 * Per step: compute the loss's gradients at w (backward), then `step(closure)`, where the
 * closure recomputes the loss and calls backward; or call `firstStep()`, run forward and
 * backward yourself, then `secondStep()`.
 * - firstStep: e = rho · s·g / ||s·g|| with s = |w| (adaptive) or 1, over all parameters,
 *   and w += s·e (i.e. s²·g·rho/||s·g||); w is kept in the state as `oldP`.
 * - secondStep: w is restored and the base optimizer steps with the gradient taken at w + e.
 */
export class SAM extends Optimizer<SAMOptions> {
  readonly base: Optimizer;
  private readonly perturbed: Tensor[] = [];
  /** The gradient norm firstStep() scales the ascent by. */
  private norm = 0;

  constructor(base: Optimizer, options: Partial<SAMOptions> = {}) {
    super(base.paramGroups as unknown as ParamGroupSpec[], { rho: 0.05, adaptive: false, ...options });
    this.base = base;
  }

  /** Adds the group to the base optimizer too (SAM and its base share their groups). */
  override addParamGroup(spec: ParamGroupSpec): void {
    // While the Optimizer constructor runs, `base` is not set yet and the specs are the base's
    // own groups: those are adopted as they are, with SAM's defaults filled in.
    const base = this.base as Optimizer | undefined;
    let group = spec as Record<string, unknown>;
    if (base !== undefined) {
      const { rho, adaptive, ...baseSpec } = spec;
      base.addParamGroup(baseSpec as ParamGroupSpec);
      group = base.paramGroups[base.paramGroups.length - 1];
      Object.assign(group, { rho, adaptive });
    }
    for (const [k, v] of Object.entries(this.defaults)) group[k] ??= v;
    this.validateGroup(group as ParamGroup<SAMOptions>);
    this.paramGroups.push(group as ParamGroup<SAMOptions>);
  }

  protected validateGroup(g: ParamGroup<SAMOptions>): void {
    checkNonNegative(this.name, 'rho', g.rho);
    if (typeof g.adaptive !== 'boolean') throw new TypeError(`${this.name}: invalid adaptive ${String(g.adaptive)} (must be a boolean)`);
  }

  /** The norm of all gradients, each scaled by |w| where adaptive. */
  private gradNorm(): number {
    let squares = 0;
    scope(() =>
      noGrad(() => {
        for (const g of this.paramGroups) {
          for (const p of g.params) {
            if (p.grad === null) continue;
            squares += (g.adaptive ? p.abs().mul(p.grad) : p.grad).norm().item() ** 2;
          }
        }
      }),
    );
    return Math.sqrt(squares);
  }

  /** Climbs to w + e(w); with zeroGrad, clears the gradients after. */
  firstStep(zeroGrad = false): void {
    if (this.perturbed.length > 0) throw new Error(`${this.name}: firstStep() called twice without secondStep()`);
    this.norm = this.gradNorm();
    for (const g of this.paramGroups) this.stepGroup(g);
    if (zeroGrad) this.zeroGrad();
  }

  /** Returns to w and steps the base optimizer with the current gradients; with zeroGrad, clears them after. */
  secondStep(zeroGrad = false): void {
    noGrad(() => {
      for (const p of this.perturbed) p.copy_(this.state.get(p)?.oldP as Tensor);
    });
    this.perturbed.length = 0;
    this.base.step();
    if (zeroGrad) this.zeroGrad();
  }

  /**
   * Both steps around the closure, which must recompute the loss and call backward (the
   * gradients at w must already be there). Returns the closure's loss, at w + e(w).
   */
  override step(closure?: Closure): number | undefined {
    if (closure === undefined) throw new Error(`${this.name}: step() needs a closure that recomputes the loss and calls backward (or call firstStep() and secondStep())`);
    this.firstStep(true);
    const loss = lossValue(enableGrad(closure));
    this.secondStep();
    return loss;
  }

  // The ascent on one group: w += rho/||s·g|| · s²·g for its parameters with a gradient, keeping w.
  protected stepGroup(g: ParamGroup<SAMOptions>): void {
    const scale = g.rho / (this.norm + 1e-12);
    scope(() =>
      noGrad(() => {
        for (const p of g.params) {
          const grad = p.grad;
          if (grad === null) continue;
          const st = this.stateOf(p);
          if (st.oldP === undefined) st.oldP = p.detach().clone().keep();
          else (st.oldP as Tensor).copy_(p);
          p.add_(g.adaptive ? p.square().mul(grad) : grad, scale);
          this.perturbed.push(p);
        }
      }),
    );
  }

  /** The base optimizer's state dict (SAM's own state lives only between its two steps). */
  override stateDict(): OptimizerStateDict {
    return this.base.stateDict();
  }

  override loadStateDict(dict: OptimizerStateDict): void {
    this.base.loadStateDict(dict);
  }
}
