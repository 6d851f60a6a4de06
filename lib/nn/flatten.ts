// Flatten: the bridge from convolutional feature maps to linear layers.
import type { Tensor } from '../tensor/tensor';
import { flatten } from '../ops/views';
import { Module } from './module';

/** Flattens axes startDim..endDim into one (default: all but the batch axis). */
export class Flatten extends Module {
  constructor(readonly startDim = 1, readonly endDim = -1) {
    super();
    if (!Number.isInteger(startDim) || !Number.isInteger(endDim)) throw new TypeError(`Flatten: startDim ${startDim} and endDim ${endDim} must be integers`);
  }

  override forward(x: Tensor): Tensor {
    return flatten(x, this.startDim, this.endDim);
  }

  override extraRepr(): string {
    return `startDim=${this.startDim}, endDim=${this.endDim}`;
  }
}
