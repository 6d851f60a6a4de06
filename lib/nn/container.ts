// Containers: ModuleList holds submodules by position; Sequential also chains them.
import type { Tensor } from '../tensor/tensor';
import { Module } from './module';

// Submodules named by position ('0', '1', ...) or by the caller, readable as `list[i]`,
// `list.at(i)` and by iteration.
abstract class ModuleSequence extends Module implements Iterable<Module> {
  [index: number]: Module;
  // The submodules' names in order: read in forward instead of walking the registry.
  private readonly names: string[] = [];

  protected addAll(modules: readonly Module[] | Readonly<Record<string, Module>>): void {
    if (Array.isArray(modules)) for (const m of modules) this.append(m);
    else for (const [name, m] of Object.entries(modules)) this.add(name, m);
  }

  private add(name: string, m: Module): void {
    if (!(m instanceof Module)) throw new TypeError(`${this.constructor.name}: item "${name}" is not a Module`);
    this.registerModule(name, m);
    this.names.push(name);
  }

  /** Adds a module at the end (named by its position). */
  append(m: Module): this {
    this.add(String(this.names.length), m);
    return this;
  }

  extend(modules: Iterable<Module>): this {
    for (const m of modules) this.append(m);
    return this;
  }

  get length(): number {
    return this.names.length;
  }

  /** The module at position i (negative counts from the end). */
  at(i: number): Module {
    const n = this.names.length;
    if (!Number.isInteger(i) || i < -n || i >= n) throw new RangeError(`${this.constructor.name}: index ${i} is out of range for ${n} modules`);
    return this.item(i < 0 ? n + i : i);
  }

  protected item(i: number): Module {
    return (this as unknown as Record<string, Module>)[this.names[i]];
  }

  *[Symbol.iterator](): Iterator<Module> {
    for (let i = 0; i < this.names.length; i++) yield this.item(i);
  }
}

/** Submodules in a list (registered, so their parameters are the list's), without a forward. */
export class ModuleList extends ModuleSequence {
  constructor(modules: Iterable<Module> = []) {
    super();
    this.addAll([...modules]);
  }
}

/**
 * Chains modules: forward(x) feeds x through each in order. `new Sequential(a, b, c)` names
 * them '0', '1', '2'; `new Sequential({ conv: a, relu: b })` by the given names.
 */
export class Sequential extends ModuleSequence {
  constructor(...modules: Module[] | [Readonly<Record<string, Module>>]) {
    super();
    const named = modules.length === 1 && !(modules[0] instanceof Module);
    this.addAll(named ? (modules[0] as Readonly<Record<string, Module>>) : (modules as Module[]));
  }

  override forward(x: Tensor): Tensor {
    for (let i = 0; i < this.length; i++) x = this.item(i).forward(x);
    return x;
  }
}
