// Module: the base of every layer. A module's parameters, buffers and submodules live as
// ordinary own properties (so `linear.weight` is a plain field read in forward). Walks read
// the own properties in creation order, the order PyTorch walks them in (parameters(),
// stateDict(), the printed summary): a property is a submodule when it holds a Module, a
// parameter when it holds a tensor made by nn.parameter (PyTorch's __setattr__ rule), and
// whatever register* declared it (buffers, and null placeholders such as an absent bias).
import { noGrad } from '../autograd/grad_mode';
import { zeroGrads } from '../autograd/zero_grad';
import { isTensor } from '../tensor/brand';
import type { DType } from '../tensor/dtype';
import { formatShape } from '../tensor/shape';
import type { Tensor } from '../tensor/tensor';
import { detach, toDType } from '../ops/convert';

type Kind = 'parameter' | 'buffer' | 'module';

/** What loadStateDict found besides the keys it loaded (only non-empty with strict: false). */
export interface LoadStateDictResult {
  missingKeys: string[];
  unexpectedKeys: string[];
}

/**
 * A parameter: `t`'s data as a new leaf tensor (sharing `t`'s storage) that requires grad
 * and is kept (no scope disposes it). PyTorch's `nn.Parameter(t)`.
 */
export function parameter(t: Tensor, requiresGrad = true): Tensor {
  if (!isTensor(t)) throw new TypeError('nn.parameter: expected a Tensor');
  const p = detach(t);
  p.requiresGrad_(requiresGrad);
  PARAMETERS.add(p);
  return p.keep();
}

// Tensors made by nn.parameter: assigning one to a module's property makes it a parameter.
const PARAMETERS = new WeakSet<Tensor>();

// What an own property holds when nothing registered it: a submodule, a parameter, or neither.
function implicitKind(value: unknown): Kind | undefined {
  if (value instanceof Module) return 'module';
  if (isTensor(value) && PARAMETERS.has(value)) return 'parameter';
  return undefined;
}

/**
 * The base of layers and models: owns parameters, buffers and submodules (see the file
 * comment for how they are found), and gives PyTorch's walks, modes, state dicts and summary.
 */
export class Module {
  /** Training mode (Dropout drops, BatchNorm uses batch statistics); set with train()/eval(). */
  training = true;
  // What register* declared each name (the values are the own properties of those names).
  private readonly registered = new Map<string, Kind>();
  private readonly nonPersistent = new Set<string>();

  /** The module's computation. Subclasses override it; the base has none. */
  forward(..._args: unknown[]): Tensor {
    throw new Error(`${this.constructor.name}: forward is not implemented`);
  }

  // --- registration --------------------------------------------------------------------

  private slot(name: string): unknown {
    return (this as unknown as Record<string, unknown>)[name];
  }

  private register(kind: Kind, name: string, value: unknown): void {
    const where = `${this.constructor.name}.register${kind[0].toUpperCase()}${kind.slice(1)}`;
    if (typeof name !== 'string' || name === '' || name.includes('.')) throw new Error(`${where}: name must be a non-empty string without ".", got ${JSON.stringify(name)}`);
    const previous = this.registered.get(name);
    if (previous !== undefined && previous !== kind) throw new Error(`${where}: "${name}" is already registered as a ${previous}`);
    if (previous === undefined && name in this && this.slot(name) !== undefined && this.slot(name) !== value) throw new Error(`${where}: "${name}" is already an attribute of ${this.constructor.name}`);
    this.registered.set(name, kind);
    (this as unknown as Record<string, unknown>)[name] = value;
  }

  /** Registers `t` (or null: a declared but absent parameter, like a Linear without bias) as parameter `name`. */
  registerParameter(name: string, t: Tensor | null): void {
    if (t !== null && !isTensor(t)) throw new TypeError(`${this.constructor.name}.registerParameter: "${name}" must be a Tensor or null`);
    this.register('parameter', name, t);
  }

  /**
   * Registers state that is not trained (BatchNorm's running statistics): kept by scopes, in
   * stateDict() unless `persistent` is false.
   */
  registerBuffer(name: string, t: Tensor | null, persistent = true): void {
    if (t !== null && !isTensor(t)) throw new TypeError(`${this.constructor.name}.registerBuffer: "${name}" must be a Tensor or null`);
    this.register('buffer', name, t === null ? null : t.keep());
    if (persistent) this.nonPersistent.delete(name);
    else this.nonPersistent.add(name);
  }

  /** Registers a submodule (or null) as `name`; its parameters are named `name.<theirs>`. */
  registerModule(name: string, m: Module | null): void {
    if (m !== null && !(m instanceof Module)) throw new TypeError(`${this.constructor.name}.registerModule: "${name}" must be a Module or null`);
    this.register('module', name, m);
  }

  // The own properties of one kind that are present (not null), in creation order, checking
  // that a registered name still holds what its kind needs.
  private own<T>(kind: Kind, check: (v: unknown) => boolean): [string, T][] {
    const out: [string, T][] = [];
    for (const name of Object.keys(this)) {
      const v = this.slot(name);
      if ((this.registered.get(name) ?? implicitKind(v)) !== kind || v === null || v === undefined) continue;
      if (!check(v)) throw new TypeError(`${this.constructor.name}: ${kind} "${name}" was replaced by a value that is not a ${kind === 'module' ? 'Module' : 'Tensor'}`);
      out.push([name, v as T]);
    }
    return out;
  }

  // --- walking -------------------------------------------------------------------------

  /** Direct submodules with their names, in the order they were assigned or registered. */
  namedChildren(): [string, Module][] {
    return this.own<Module>('module', (v) => v instanceof Module);
  }

  children(): Module[] {
    return this.namedChildren().map(([, m]) => m);
  }

  /** This module and every descendant, depth first (a shared module once), with dotted names ('' for this one). */
  namedModules(prefix = ''): [string, Module][] {
    const out: [string, Module][] = [];
    const seen = new Set<Module>();
    const visit = (m: Module, name: string): void => {
      if (seen.has(m)) return;
      seen.add(m);
      out.push([name, m]);
      for (const [childName, child] of m.namedChildren()) visit(child, name === '' ? childName : `${name}.${childName}`);
    };
    visit(this, prefix);
    return out;
  }

  modules(): Module[] {
    return this.namedModules().map(([, m]) => m);
  }

  // The tensors of one kind over this module (and descendants with `recurse`), a shared tensor once.
  private namedTensors(kind: 'parameter' | 'buffer', recurse: boolean): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    const seen = new Set<Tensor>();
    const scope: [string, Module][] = recurse ? this.namedModules() : [['', this]];
    for (const [prefix, m] of scope) {
      for (const [name, t] of m.own<Tensor>(kind, isTensor)) {
        if (seen.has(t)) continue;
        seen.add(t);
        out.push([prefix === '' ? name : `${prefix}.${name}`, t]);
      }
    }
    return out;
  }

  /** Parameters with dotted names (`0.weight`, `fc1.bias`), in PyTorch's order. */
  namedParameters(recurse = true): [string, Tensor][] {
    return this.namedTensors('parameter', recurse);
  }

  parameters(recurse = true): Tensor[] {
    return this.namedParameters(recurse).map(([, t]) => t);
  }

  namedBuffers(recurse = true): [string, Tensor][] {
    return this.namedTensors('buffer', recurse);
  }

  buffers(recurse = true): Tensor[] {
    return this.namedBuffers(recurse).map(([, t]) => t);
  }

  /** The number of parameter elements (only those that require grad with `trainableOnly`). */
  numParameters(trainableOnly = false): number {
    let n = 0;
    for (const p of this.parameters()) if (!trainableOnly || p.requiresGrad) n += p.size;
    return n;
  }

  // --- modes and gradients -------------------------------------------------------------

  /** Sets training mode on this module and every descendant. */
  train(mode = true): this {
    for (const m of this.modules()) m.training = mode;
    return this;
  }

  /** Evaluation mode: train(false). */
  eval(): this {
    return this.train(false);
  }

  /**
   * Clears every parameter's gradient. By default (as PyTorch) it drops the gradient and
   * frees its memory for the next backward to reuse, so a tensor kept from `p.grad` is
   * disposed (clone it to keep it), as Optimizer.zeroGrad does; with setToNone false it
   * fills the gradient with zeros.
   */
  zeroGrad(setToNone = true): void {
    zeroGrads(this.parameters(), setToNone);
  }

  /** Sets requiresGrad on every parameter (false freezes them: no gradients, not trainable). */
  requiresGrad_(requiresGrad = true): this {
    for (const p of this.parameters()) p.requiresGrad_(requiresGrad);
    return this;
  }

  /** Calls fn on every submodule (children first, as PyTorch) and then this module; each once. */
  apply(fn: (m: Module) => void): this {
    const seen = new Set<Module>();
    const visit = (m: Module): void => {
      if (seen.has(m)) return;
      seen.add(m);
      for (const child of m.children()) visit(child);
      fn(m);
    };
    visit(this);
    return this;
  }

  /**
   * Converts every floating-point parameter and buffer to `dtype` (new tensors replace the
   * old under the same names; gradients are dropped). PyTorch's `module.to(dtype)`.
   */
  to(dtype: DType): this {
    if (dtype !== 'float32' && dtype !== 'float64') throw new TypeError(`${this.constructor.name}.to: dtype must be float32 or float64, got ${JSON.stringify(dtype)}`);
    const done = new Map<Tensor, Tensor>(); // a tensor shared by modules stays shared
    for (const m of this.modules()) {
      for (const kind of ['parameter', 'buffer'] as const) {
        for (const [name, t] of m.own<Tensor>(kind, isTensor)) {
          if (t.dtype === dtype || t.dtype === 'int32') continue;
          let converted = done.get(t);
          if (converted === undefined) {
            const c = toDType(detach(t), dtype);
            converted = kind === 'parameter' ? parameter(c, t.requiresGrad) : c.keep();
            done.set(t, converted);
          }
          (m as unknown as Record<string, unknown>)[name] = converted;
        }
      }
    }
    return this;
  }

  double(): this {
    return this.to('float64');
  }

  float(): this {
    return this.to('float32');
  }

  // --- state dict ----------------------------------------------------------------------

  // Every key a state dict of this module holds, with its tensor: per module (depth first),
  // its parameters, then its persistent buffers (PyTorch's order).
  private stateEntries(): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [prefix, m] of this.namedModules()) {
      const key = (name: string): string => (prefix === '' ? name : `${prefix}.${name}`);
      for (const [name, t] of m.own<Tensor>('parameter', isTensor)) out.push([key(name), t]);
      for (const [name, t] of m.own<Tensor>('buffer', isTensor)) if (!m.nonPersistent.has(name)) out.push([key(name), t]);
    }
    return out;
  }

  /**
   * Parameters and persistent buffers by dotted name, as tensors detached from the graph that
   * share the module's storage (copy them to keep a snapshot that training does not change).
   */
  stateDict(): Record<string, Tensor> {
    const out: Record<string, Tensor> = {};
    for (const [key, t] of this.stateEntries()) out[key] = detach(t);
    return out;
  }

  /**
   * Copies the dict's tensors into the parameters and buffers of the same names. A tensor
   * whose shape differs always fails; missing and unexpected keys fail unless `strict` is
   * false (then they are returned). The error names every offending key; nothing is copied
   * when it throws.
   */
  loadStateDict(dict: Record<string, Tensor>, options: { strict?: boolean } = {}): LoadStateDictResult {
    const { strict = true } = options;
    const where = `${this.constructor.name}.loadStateDict`;
    if (dict === null || typeof dict !== 'object') throw new TypeError(`${where}: expected an object of tensors`);
    const entries = this.stateEntries();
    const expected = new Set(entries.map(([key]) => key));
    const has = (key: string): boolean => Object.prototype.hasOwnProperty.call(dict, key);
    const missingKeys = entries.map(([key]) => key).filter((key) => !has(key));
    const unexpectedKeys = Object.keys(dict).filter((key) => !expected.has(key));
    const problems: string[] = [];
    for (const [key, t] of entries) {
      if (!has(key)) continue;
      const v = dict[key];
      if (!isTensor(v)) problems.push(`"${key}" is not a Tensor`);
      else if (v.shape.length !== t.shape.length || v.shape.some((d, i) => d !== t.shape[i])) {
        problems.push(`size mismatch for "${key}": the dict has ${formatShape(v.shape)}, the module ${formatShape(t.shape)}`);
      }
    }
    if (strict && missingKeys.length > 0) problems.push(`missing keys: ${missingKeys.map((k) => `"${k}"`).join(', ')}`);
    if (strict && unexpectedKeys.length > 0) problems.push(`unexpected keys: ${unexpectedKeys.map((k) => `"${k}"`).join(', ')}`);
    if (problems.length > 0) throw new Error(`${where}: ${problems.join('; ')}`);
    noGrad(() => {
      for (const [key, t] of entries) if (has(key)) t.copy_(dict[key]);
    });
    return { missingKeys, unexpectedKeys };
  }

  // --- printing ------------------------------------------------------------------------

  /** The layer's settings for its summary line, e.g. `inFeatures=784, outFeatures=256, bias=true`. */
  extraRepr(): string {
    return '';
  }

  // PyTorch's nested repr: `Name(extra)` or `Name(\n  (child): ...\n)`.
  private repr(): string {
    const children = this.namedChildren();
    const extra = this.extraRepr();
    if (children.length === 0) return `${this.constructor.name}(${extra})`;
    const lines = extra === '' ? [] : [extra];
    for (const [name, child] of children) lines.push(`(${name}): ${child.repr()}`);
    return `${this.constructor.name}(\n${lines.map((l) => l.replace(/^/gm, '  ')).join('\n')}\n)`;
  }

  /** PyTorch's printed module tree followed by the parameter counts. */
  toString(): string {
    const total = this.numParameters();
    const trainable = this.numParameters(true);
    return `${this.repr()}\nParameters: ${total.toLocaleString('en-US')} (trainable ${trainable.toLocaleString('en-US')})`;
  }
}
