// Dropout: zeroes inputs with probability p in training, scaling the rest by 1 / (1 - p)
// (inverted dropout, so evaluation is the identity).
import type { Generator } from '../tensor/generator';
import type { Tensor } from '../tensor/tensor';
import { dropout } from '../ops/dropout';
import { Module } from './module';

/** Dropout's options after p. */
export interface DropoutOptions {
  /** Draws the masks from this generator instead of the default one. */
  generator?: Generator;
}

/** Inverted dropout with probability p (default 0.5) while training; the identity in evaluation. */
export class Dropout extends Module {
  readonly generator: Generator | undefined;

  constructor(readonly p = 0.5, options: DropoutOptions = {}) {
    super();
    if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new RangeError(`Dropout: p must be in [0, 1], got ${String(p)}`);
    this.generator = options.generator;
  }

  override forward(x: Tensor): Tensor {
    return dropout(x, this.p, this.training, this.generator);
  }

  override extraRepr(): string {
    return `p=${this.p}`;
  }
}
