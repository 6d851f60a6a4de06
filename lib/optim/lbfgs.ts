// torch.optim.LBFGS: limited-memory BFGS over all parameters as one flat vector, with
// PyTorch's iteration, stopping rules and optional strong Wolfe line search (line_search.ts).
// Moving the parameters along the direction (p += t·d) is the fused SGD step with the
// direction as a gradient to climb (maximize), one sgdStepMulti call.
import type { FloatArray } from '../bindings/optim';
import { native } from '../native';
import { empty } from '../tensor/creation';
import type { FloatDType } from '../tensor/dtype';
import type { Tensor } from '../tensor/tensor';
import { dot, maxAbs, strongWolfe, sumAbs } from './line_search';
import { checkNonNegative, lossValue, Optimizer, type Closure, type ParamGroup, type ParamGroupSpec } from './optimizer';

export interface LBFGSOptions {
  /** Learning rate: the step length tried first (default 1). */
  lr: number;
  /** Iterations per step() (default 20). */
  maxIter: number;
  /** Closure evaluations per step() (default maxIter·5/4, rounded down). */
  maxEval: number;
  /** Stop when the largest gradient element is at most this (default 1e-7). */
  toleranceGrad: number;
  /** Stop when the loss or the step changes less than this (default 1e-9). */
  toleranceChange: number;
  /** Correction pairs kept (default 100). */
  historySize: number;
  /** null: fixed steps of lr; 'strongWolfe': the strong Wolfe line search (default null). */
  lineSearchFn: 'strongWolfe' | null;
}

function checkCount(optimizer: string, option: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) throw new RangeError(`${optimizer}: invalid ${option} ${String(value)} (must be an integer >= 1)`);
}

/**
 * L-BFGS (torch.optim.LBFGS): one group, float parameters of one dtype; `step(closure)` runs
 * up to maxIter iterations, calling the closure (which recomputes the loss and calls backward)
 * as often as they need. Its state, kept on the first parameter as PyTorch does: `funcEvals`,
 * `nIter`, the direction `d`, step `t`, the history `oldDirs` / `oldStps` / `ro`, `hDiag`,
 * `prevFlatGrad`, `prevLoss`.
 */
export class LBFGS extends Optimizer<LBFGSOptions> {
  private closure: Closure | null = null;

  constructor(params: Iterable<Tensor> | Iterable<ParamGroupSpec>, options: Partial<LBFGSOptions> = {}) {
    const maxIter = options.maxIter ?? 20;
    super(params, { lr: 1, maxIter, maxEval: Math.floor((maxIter * 5) / 4), toleranceGrad: 1e-7, toleranceChange: 1e-9, historySize: 100, lineSearchFn: null, ...options });
  }

  override addParamGroup(spec: ParamGroupSpec): void {
    if (this.paramGroups.length > 0) throw new Error(`${this.name}: doesn't support per-parameter options (parameter groups)`);
    super.addParamGroup(spec);
  }

  protected validateGroup(g: ParamGroup<LBFGSOptions>): void {
    checkNonNegative(this.name, 'lr', g.lr);
    checkCount(this.name, 'maxIter', g.maxIter);
    checkCount(this.name, 'maxEval', g.maxEval);
    checkCount(this.name, 'historySize', g.historySize);
    checkNonNegative(this.name, 'toleranceGrad', g.toleranceGrad);
    checkNonNegative(this.name, 'toleranceChange', g.toleranceChange);
    if (g.lineSearchFn !== null && g.lineSearchFn !== 'strongWolfe') throw new RangeError(`${this.name}: invalid lineSearchFn ${JSON.stringify(g.lineSearchFn)} (must be null or 'strongWolfe')`);
    const dtypes = new Set(g.params.map((p) => p.dtype));
    if (dtypes.size > 1) throw new TypeError(`${this.name}: all parameters must share one dtype, got ${[...dtypes].join(' and ')}`);
  }

  /** Runs the iterations; the closure recomputes the loss and calls backward. Returns the first loss. */
  override step(closure?: Closure): number | undefined {
    if (closure === undefined) throw new Error(`${this.name}: step() needs a closure that recomputes the loss and calls backward`);
    this.closure = closure;
    try {
      return super.step(closure);
    } finally {
      this.closure = null;
    }
  }

  private get params(): Tensor[] {
    return this.paramGroups[0].params;
  }

  private get numel(): number {
    return this.params.reduce((n, p) => n + p.size, 0);
  }

  private get dtype(): FloatDType {
    return this.params[0].dtype as FloatDType;
  }

  /** A new flat vector, kept (state tensors outlive scopes), and its elements. */
  private vector(): [Tensor, FloatArray] {
    const t = empty([this.numel], { dtype: this.dtype }).keep();
    return [t, this.view(t)];
  }

  /** A new array of every parameter's gradient, concatenated (zeros for none). */
  private flatGrad(): FloatArray {
    const out = this.dtype === 'float64' ? new Float64Array(this.numel) : new Float32Array(this.numel);
    let o = 0;
    for (const p of this.params) {
      if (p.grad !== null) out.set(p.grad.values(), o);
      o += p.size;
    }
    return out;
  }

  /** p += t·d over the flat parameters. */
  private addDirection(t: number, d: FloatArray): void {
    let o = 0;
    const slices = this.params.map((p) => d.subarray(o, (o += p.size)));
    native.sgdStepMulti(this.params.map((p) => this.view(p)), slices, null, t, 0, 0, 0, false, true, false);
    for (const p of this.params) p.bumpVersion();
  }

  private setParams(x: FloatArray): void {
    let o = 0;
    for (const p of this.params) {
      this.view(p).set(x.subarray(o, (o += p.size)));
      p.bumpVersion();
    }
  }

  private evaluate(): number {
    return lossValue((this.closure as Closure)());
  }

  protected stepGroup(g: ParamGroup<LBFGSOptions>, firstLoss?: number): void {
    const state = this.stateOf(this.params[0]);
    state.funcEvals = ((state.funcEvals as number | undefined) ?? 0) + 1;
    state.nIter ??= 0;
    let loss = firstLoss as number;
    let currentEvals = 1;
    let flatGrad = this.flatGrad();
    let optCond = maxAbs(flatGrad) <= g.toleranceGrad;
    if (optCond) return;

    let d = (state.d as Tensor | null | undefined) ?? undefined;
    let t = state.t as number;
    let oldDirs = (state.oldDirs as Tensor[] | undefined) ?? [];
    let oldStps = (state.oldStps as Tensor[] | undefined) ?? [];
    let ro = (state.ro as number[] | undefined) ?? [];
    let hDiag = (state.hDiag as number | undefined) ?? 1;
    let prevFlatGrad = (state.prevFlatGrad as Tensor | null | undefined) ?? undefined;
    let prevLoss = (state.prevLoss as number | null | undefined) ?? undefined;

    let nIter = 0;
    while (nIter < g.maxIter) {
      nIter++;
      state.nIter = (state.nIter as number) + 1;
      // The descent direction.
      if (d === undefined) [d] = this.vector();
      const dv = this.view(d);
      if (state.nIter === 1) {
        for (let i = 0; i < dv.length; i++) dv[i] = -flatGrad[i];
        oldDirs.forEach((x) => x.dispose());
        oldStps.forEach((x) => x.dispose());
        [oldDirs, oldStps, ro, hDiag] = [[], [], [], 1];
      } else {
        // Update the history with y = g - gPrev, s = t·d when the curvature ys is positive.
        const [y, yv] = this.vector();
        const [s, sv] = this.vector();
        const prev = this.view(prevFlatGrad as Tensor);
        for (let i = 0; i < yv.length; i++) {
          yv[i] = flatGrad[i] - prev[i];
          sv[i] = dv[i] * t;
        }
        const ys = dot(yv, sv);
        if (ys > 1e-10) {
          if (oldDirs.length === g.historySize) {
            (oldDirs.shift() as Tensor).dispose();
            (oldStps.shift() as Tensor).dispose();
            ro.shift();
          }
          oldDirs.push(y);
          oldStps.push(s);
          ro.push(1 / ys);
          hDiag = ys / dot(yv, yv);
        } else {
          y.dispose();
          s.dispose();
        }
        // Two-loop recursion: d = -H·g with the approximate inverse Hessian H.
        const al: number[] = [];
        for (let i = 0; i < dv.length; i++) dv[i] = -flatGrad[i];
        for (let i = oldDirs.length - 1; i >= 0; i--) {
          al[i] = dot(this.view(oldStps[i]), dv) * ro[i];
          const yi = this.view(oldDirs[i]);
          for (let j = 0; j < dv.length; j++) dv[j] += -al[i] * yi[j];
        }
        for (let j = 0; j < dv.length; j++) dv[j] *= hDiag;
        for (let i = 0; i < oldDirs.length; i++) {
          const be = dot(this.view(oldDirs[i]), dv) * ro[i];
          const si = this.view(oldStps[i]);
          for (let j = 0; j < dv.length; j++) dv[j] += (al[i] - be) * si[j];
        }
      }
      if (prevFlatGrad === undefined) [prevFlatGrad] = this.vector();
      this.view(prevFlatGrad).set(flatGrad);
      prevLoss = loss;

      // The step length: the first iteration ever scales lr by min(1, 1/||g||_1).
      t = state.nIter === 1 ? Math.min(1, 1 / sumAbs(flatGrad)) * g.lr : g.lr;
      const gtd = dot(flatGrad, dv);
      if (gtd > -g.toleranceChange) break;

      let lsEvals = 0;
      if (g.lineSearchFn === 'strongWolfe') {
        const xInit = this.dtype === 'float64' ? new Float64Array(this.numel) : new Float32Array(this.numel);
        let o = 0;
        for (const p of this.params) {
          xInit.set(this.view(p), o);
          o += p.size;
        }
        const r = strongWolfe(
          (step) => {
            this.addDirection(step, dv);
            const f = this.evaluate();
            const grad = this.flatGrad();
            this.setParams(xInit);
            return [f, grad];
          },
          t, dv, loss, flatGrad, gtd,
        );
        [loss, flatGrad, t, lsEvals] = [r.loss, r.grad, r.t, r.evals];
        this.addDirection(t, dv);
        optCond = maxAbs(flatGrad) <= g.toleranceGrad;
      } else {
        this.addDirection(t, dv);
        // The last iteration does not re-evaluate (in a stochastic setting it would be wasted).
        if (nIter !== g.maxIter) {
          loss = this.evaluate();
          flatGrad = this.flatGrad();
          optCond = maxAbs(flatGrad) <= g.toleranceGrad;
          lsEvals = 1;
        }
      }
      currentEvals += lsEvals;
      state.funcEvals = (state.funcEvals as number) + lsEvals;

      if (nIter === g.maxIter || currentEvals >= g.maxEval || optCond) break;
      // Lack of progress.
      if (maxAbs(dv) * t <= g.toleranceChange || Math.abs(loss - prevLoss) < g.toleranceChange) break;
    }
    Object.assign(state, { d: d ?? null, t, oldDirs, oldStps, ro, hDiag, prevFlatGrad: prevFlatGrad ?? null, prevLoss: prevLoss ?? null });
  }
}
