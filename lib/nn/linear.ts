// Identity and Linear.
import { empty } from '../tensor/creation';
import type { DType } from '../tensor/dtype';
import { formatShape } from '../tensor/shape';
import type { Tensor } from '../tensor/tensor';
import { linear } from '../ops/linear';
import { checkCount, checkFloatDType } from './args';
import { calculateFanInAndFanOut, kaimingUniform_, uniform_ } from './init';
import { Module, parameter } from './module';

/** Returns its input (a placeholder, e.g. where a block may have no shortcut layer). */
export class Identity extends Module {
  override forward(x: Tensor): Tensor {
    return x;
  }
}

/**
 * PyTorch's default init of a layer's weight and bias (Linear, Conv2d): weight by
 * kaimingUniform_ with a = sqrt(5), i.e. U(-1/sqrt(fanIn), 1/sqrt(fanIn)), and the bias
 * from the same bound.
 */
export function resetWeightAndBias(weight: Tensor, bias: Tensor | null): void {
  kaimingUniform_(weight, { a: Math.sqrt(5) });
  if (bias === null) return;
  const [fanIn] = calculateFanInAndFanOut(weight);
  const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
  uniform_(bias, -bound, bound);
}

/** Linear's options after the feature counts. */
export interface LinearOptions {
  /** Learn an additive bias (default true). */
  bias?: boolean;
  dtype?: DType;
}

/** y = x W^T + b for x [..., inFeatures]; weight [outFeatures, inFeatures], bias [outFeatures]. */
export class Linear extends Module {
  declare weight: Tensor;
  declare bias: Tensor | null;
  readonly inFeatures: number;
  readonly outFeatures: number;

  constructor(inFeatures: number, outFeatures: number, options: LinearOptions = {}) {
    super();
    this.inFeatures = checkCount('Linear', 'inFeatures', inFeatures, true);
    this.outFeatures = checkCount('Linear', 'outFeatures', outFeatures, true);
    const dtype = checkFloatDType('Linear', options.dtype);
    this.registerParameter('weight', parameter(empty([outFeatures, inFeatures], { dtype })));
    this.registerParameter('bias', options.bias === false ? null : parameter(empty([outFeatures], { dtype })));
    this.resetParameters();
  }

  /** Re-draws weight and bias with PyTorch's default init. */
  resetParameters(): void {
    resetWeightAndBias(this.weight, this.bias);
  }

  override forward(x: Tensor): Tensor {
    if (x.ndim === 0 || x.shape[x.ndim - 1] !== this.inFeatures) {
      throw new RangeError(`Linear: input of shape ${formatShape(x.shape)} does not end in inFeatures ${this.inFeatures}`);
    }
    return linear(x, this.weight, this.bias);
  }

  override extraRepr(): string {
    return `inFeatures=${this.inFeatures}, outFeatures=${this.outFeatures}, bias=${this.bias !== null}`;
  }
}
