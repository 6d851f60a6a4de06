// The optimizer base: parameter groups with per-group options, per-parameter state, state
// dicts in PyTorch's layout, and the batching by which every subclass hands a whole group to
// one fused native step (`...Multi` in lib/bindings/optim.ts). See docs/optim.md.
import { enableGrad, noGrad } from '../autograd/grad_mode';
import { zeroGrads } from '../autograd/zero_grad';
import type { FloatArray } from '../bindings/optim';
import { isTensor } from '../tensor/brand';
import { isFloat, type FloatDType } from '../tensor/dtype';
import type { Tensor } from '../tensor/tensor';

/** A value of an optimizer's per-parameter state (tensors, step counts, histories). */
export type StateValue = Tensor | number | boolean | null | StateValue[];
/** One parameter's state, e.g. Adam's `{ step, expAvg, expAvgSq }`. */
export type ParamState = Record<string, StateValue>;

/** A parameter group: its parameters and every option (the optimizer's defaults filled in). */
export type ParamGroup<O extends object = object> = O & { params: Tensor[]; lr: number; [option: string]: unknown };

/** A group as given to a constructor or addParamGroup: parameters plus options overriding the defaults. */
export interface ParamGroupSpec {
  params: Iterable<Tensor> | Tensor;
  [option: string]: unknown;
}

/** What stateDict() returns: PyTorch's layout, parameters named by their index across groups. */
export interface OptimizerStateDict {
  /** Per-parameter state keyed by the parameter's index (its position over all groups in order). */
  state: Record<number, ParamState>;
  /** Each group's options, and its parameters' indices in place of the tensors. */
  paramGroups: Array<{ params: number[]; [option: string]: unknown }>;
}

/** A closure re-evaluates the model and returns the loss (after calling backward). */
export type Closure = () => Tensor | number;

/**
 * The arguments of one `...Multi` call: per parameter its array, its gradient's and those of
 * its state slots, in the same order. Reused from call to call, so a step allocates no lists.
 */
export class KernelBatch {
  readonly tensors: Tensor[] = [];
  readonly params: FloatArray[] = [];
  readonly grads: FloatArray[] = [];
  readonly states: FloatArray[][] = [];

  /** The list of state slot `i` (created on first use). */
  slot(i: number): FloatArray[] {
    while (this.states.length <= i) this.states.push([]);
    return this.states[i];
  }

  clear(): void {
    this.tensors.length = 0;
    this.params.length = 0;
    this.grads.length = 0;
    for (const s of this.states) s.length = 0;
  }
}

/** The loss a closure returned, as a number. */
export function lossValue(loss: Tensor | number): number {
  return typeof loss === 'number' ? loss : loss.item();
}

/** Throws unless `value` is a finite number >= 0 (or > 0 when `positive`). */
export function checkNonNegative(optimizer: string, option: string, value: unknown, positive = false): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (positive && value === 0)) {
    throw new RangeError(`${optimizer}: invalid ${option} ${String(value)} (must be a finite number ${positive ? '> 0' : '>= 0'})`);
  }
}

/** Throws unless `value` is a number in [lo, hi) (or [lo, hi] when `closed`). */
export function checkInRange(optimizer: string, option: string, value: unknown, lo: number, hi: number, closed = false): void {
  if (typeof value !== 'number' || !(value >= lo) || !(closed ? value <= hi : value < hi)) {
    throw new RangeError(`${optimizer}: invalid ${option} ${String(value)} (must be in [${lo}, ${hi}${closed ? ']' : ')'})`);
  }
}

/** Throws unless `betas` is a pair of numbers in [0, 1). */
export function checkBetas(optimizer: string, betas: unknown): void {
  if (!Array.isArray(betas) || betas.length !== 2) throw new RangeError(`${optimizer}: invalid betas ${JSON.stringify(betas)} (must be a pair [beta1, beta2])`);
  checkInRange(optimizer, 'betas[0]', betas[0], 0, 1);
  checkInRange(optimizer, 'betas[1]', betas[1], 0, 1);
}

function copyStateValue(v: StateValue, copyTensor: (t: Tensor) => Tensor): StateValue {
  if (isTensor(v)) return copyTensor(v);
  if (Array.isArray(v)) return v.map((x) => copyStateValue(x, copyTensor));
  return v;
}

function copyState(s: ParamState, copyTensor: (t: Tensor) => Tensor): ParamState {
  const out: ParamState = {};
  for (const [k, v] of Object.entries(s)) out[k] = copyStateValue(v, copyTensor);
  return out;
}

function disposeStateValue(v: StateValue): void {
  if (isTensor(v)) v.dispose();
  else if (Array.isArray(v)) v.forEach(disposeStateValue);
}

// Options are numbers, booleans, strings, null or arrays of them (betas): copy arrays so a
// state dict never aliases a live group.
function copyOption(v: unknown): unknown {
  return Array.isArray(v) ? v.map(copyOption) : v;
}

/**
 * The base of every optimizer (torch.optim.Optimizer): `paramGroups` hold the parameters and
 * their options, `state` each parameter's state. A subclass validates its options
 * (`validateGroup`) and steps a group (`stepGroup`), usually through `runBatches`, which gives
 * it the group's parameters with a gradient as one KernelBatch per dtype.
 */
export abstract class Optimizer<O extends object = object> {
  readonly paramGroups: ParamGroup<O>[] = [];
  /** Per-parameter state (created on a parameter's first step). */
  readonly state = new Map<Tensor, ParamState>();
  /** The options a group gets for every option it does not set. */
  readonly defaults: O;
  /** The state entries holding one value per parameter element (checked by loadStateDict). */
  protected readonly elementwiseState: readonly string[] = [];
  /** The class name errors start with. */
  protected readonly name: string;

  // Typed views of parameters and state tensors, taken once: `values()` would make a new
  // subarray object every step.
  private readonly views = new WeakMap<Tensor, FloatArray>();
  private readonly batch = new KernelBatch();
  private readonly pending: Tensor[] = [];

  constructor(params: Iterable<Tensor> | Iterable<ParamGroupSpec>, defaults: O, name: string = new.target.name) {
    this.name = name;
    this.defaults = defaults;
    const list = [...(params as Iterable<Tensor | ParamGroupSpec>)];
    if (list.length === 0) throw new Error(`${name}: got an empty parameter list`);
    const groups = list.every((p) => isTensor(p)) ? [{ params: list as Tensor[] }] : (list as ParamGroupSpec[]);
    for (const g of groups) this.addParamGroup(g);
  }

  /** Checks a group's options; throws naming the optimizer, the option and the value. */
  protected abstract validateGroup(group: ParamGroup<O>): void;

  /** Updates the group's parameters that have a gradient (`loss`: the step's closure's, if any). */
  protected abstract stepGroup(group: ParamGroup<O>, loss?: number): void;

  /** Adds a group (its parameters and option overrides; the defaults fill the rest). */
  addParamGroup(spec: ParamGroupSpec): void {
    if (spec === null || typeof spec !== 'object' || !('params' in spec)) throw new TypeError(`${this.name}: a parameter group must be an object with a 'params' list`);
    const params = isTensor(spec.params) ? [spec.params] : [...spec.params];
    const seen = new Set<Tensor>();
    for (const g of this.paramGroups) for (const p of g.params) seen.add(p);
    params.forEach((p, i) => {
      const where = `parameter ${i} of group ${this.paramGroups.length}`;
      if (!isTensor(p)) throw new TypeError(`${this.name}: ${where} is not a Tensor (got ${typeof p})`);
      if (!p.isLeaf) throw new Error(`${this.name}: can't optimize a non-leaf tensor (${where}, shape [${p.shape.join(',')}])`);
      if (!isFloat(p.dtype)) throw new TypeError(`${this.name}: ${where} has dtype ${p.dtype}; only float32 and float64 parameters can be optimized`);
      if (!p.isContiguous()) throw new Error(`${this.name}: ${where} is not contiguous (the fused step updates it in place); pass a contiguous tensor`);
      if (seen.has(p)) throw new Error(`${this.name}: ${where} appears more than once among the parameter groups`);
      seen.add(p);
    });
    for (const k of Object.keys(spec)) {
      if (k !== 'params' && !(k in this.defaults)) {
        throw new Error(`${this.name}: unknown option '${k}' in parameter group ${this.paramGroups.length} (options: ${Object.keys(this.defaults).join(', ')})`);
      }
    }
    const group = { ...spec, params } as Record<string, unknown>;
    for (const [k, v] of Object.entries(this.defaults)) if (!(k in group) || group[k] === undefined) group[k] = copyOption(v);
    this.validateGroup(group as ParamGroup<O>);
    this.paramGroups.push(group as ParamGroup<O>);
  }

  /**
   * One optimization step. With a closure (re-evaluates the model, calls backward, returns
   * the loss), it runs first with grad mode on and its loss is returned.
   */
  step(closure?: Closure): number | undefined {
    const loss = closure === undefined ? undefined : lossValue(enableGrad(closure));
    for (const group of this.paramGroups) this.stepGroup(group, loss);
    return loss;
  }

  /**
   * Clears every parameter's gradient. setToNone (the default, as PyTorch) drops it and frees
   * its memory for the next backward to reuse, so a tensor kept from `p.grad` is disposed
   * (clone it to keep it); otherwise the gradient is filled with zeros.
   */
  zeroGrad(setToNone = true): void {
    for (const group of this.paramGroups) zeroGrads(group.params, setToNone);
  }

  /** The state of `p`, created empty on first use. */
  protected stateOf(p: Tensor): ParamState {
    let s = this.state.get(p);
    if (s === undefined) this.state.set(p, (s = {}));
    return s;
  }

  /** A typed view of a parameter or state tensor (contiguous, alive for the optimizer's life). */
  protected view(t: Tensor): FloatArray {
    let v = this.views.get(t);
    if (v === undefined) this.views.set(t, (v = t.values() as FloatArray));
    return v;
  }

  /**
   * Calls `run` once per dtype (and per `key`) with the group's parameters that have a
   * gradient, their arrays and gradients in `batch` (state slots are the caller's to fill).
   * `key` separates parameters one kernel call cannot take together (e.g. different step
   * counts); a group normally needs one call per dtype. Bumps each stepped parameter's version.
   */
  protected runBatches(group: ParamGroup<O>, run: (batch: KernelBatch, dtype: FloatDType, key: number) => void, key: (p: Tensor) => number = () => 0): void {
    const pending = this.pending;
    pending.length = 0;
    group.params.forEach((p, i) => {
      const g = p.grad;
      if (g === null) return;
      if (p.disposed) throw new Error(`${this.name}: parameter ${i} (shape [${p.shape.join(',')}]) was disposed`);
      if (g.dtype !== p.dtype || g.size !== p.size) {
        throw new Error(`${this.name}: the gradient of parameter ${i} is ${g.dtype} [${g.shape.join(',')}], expected ${p.dtype} [${p.shape.join(',')}]`);
      }
      pending.push(p);
    });
    const batch = this.batch;
    while (pending.length > 0) {
      const dtype = pending[0].dtype as FloatDType;
      const k = key(pending[0]);
      batch.clear();
      let rest = 0;
      for (const p of pending) {
        if (p.dtype === dtype && key(p) === k) {
          batch.tensors.push(p);
          batch.params.push(this.view(p));
          batch.grads.push((p.grad as Tensor).values() as FloatArray);
        } else {
          pending[rest++] = p;
        }
      }
      pending.length = rest;
      run(batch, dtype, k);
      for (const p of batch.tensors) p.bumpVersion();
    }
    batch.clear();
  }

  /** The optimizer's state and group options, PyTorch's layout; state tensors are copies. */
  stateDict(): OptimizerStateDict {
    const index = new Map<Tensor, number>();
    const paramGroups = this.paramGroups.map((g) => {
      const out: { params: number[]; [option: string]: unknown } = { params: [] };
      for (const [k, v] of Object.entries(g)) if (k !== 'params') out[k] = copyOption(v);
      for (const p of g.params) {
        out.params.push(index.size);
        index.set(p, index.size);
      }
      return out;
    });
    const state: Record<number, ParamState> = {};
    noGrad(() => {
      for (const [p, s] of this.state) {
        const i = index.get(p);
        if (i === undefined) continue;
        state[i] = copyState(s, (t) => t.clone());
      }
    });
    return { state, paramGroups };
  }

  /**
   * Restores what stateDict() returned (from an optimizer over parameters of the same shapes,
   * grouped the same way): the groups' options and each parameter's state, tensors copied and
   * cast to the parameter's dtype.
   */
  loadStateDict(dict: OptimizerStateDict): void {
    const groups = dict?.paramGroups;
    if (!Array.isArray(groups) || dict.state === null || typeof dict.state !== 'object') throw new TypeError(`${this.name}: loadStateDict expects { state, paramGroups } as stateDict() returns`);
    if (groups.length !== this.paramGroups.length) {
      throw new Error(`${this.name}: loadStateDict: the dict has ${groups.length} parameter groups, the optimizer has ${this.paramGroups.length}`);
    }
    const byIndex: Tensor[] = [];
    groups.forEach((g, i) => {
      const mine = this.paramGroups[i];
      if (!Array.isArray(g.params) || g.params.length !== mine.params.length) {
        throw new Error(`${this.name}: loadStateDict: group ${i} of the dict has ${g.params?.length} parameters, the optimizer's has ${mine.params.length}`);
      }
      g.params.forEach((idx, j) => (byIndex[idx] = mine.params[j]));
      this.validateGroup({ ...mine, ...g, params: mine.params });
    });
    for (const [key, s] of Object.entries(dict.state)) {
      const p = byIndex[Number(key)];
      if (p === undefined) throw new Error(`${this.name}: loadStateDict: state for parameter ${key}, which no group of the dict lists`);
      for (const name of this.elementwiseState) {
        const v = s[name];
        if (v !== undefined && v !== null && (!isTensor(v) || v.shape.join(',') !== p.shape.join(','))) {
          const got = isTensor(v) ? `shape [${v.shape.join(',')}]` : typeof v;
          throw new Error(`${this.name}: loadStateDict: state '${name}' of parameter ${key} has ${got}, expected a tensor of the parameter's shape [${p.shape.join(',')}]`);
        }
      }
    }
    // Every check passed: now replace the options and the state.
    groups.forEach((g, i) => {
      const mine = this.paramGroups[i] as Record<string, unknown>;
      for (const [k, v] of Object.entries(g)) if (k !== 'params') mine[k] = copyOption(v);
    });
    for (const s of this.state.values()) Object.values(s).forEach(disposeStateValue);
    this.state.clear();
    noGrad(() => {
      for (const [key, s] of Object.entries(dict.state)) {
        const p = byIndex[Number(key)];
        const copy = (t: Tensor): Tensor => (isFloat(t.dtype) && t.dtype !== p.dtype ? t.to(p.dtype) : t.clone()).keep();
        this.state.set(p, copyState(s, copy));
      }
    });
  }
}
