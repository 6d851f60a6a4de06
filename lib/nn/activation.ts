// Activation modules: each wraps its functional op (lib/ops/activation.ts).
import type { Tensor } from '../tensor/tensor';
import { elu, gelu, heaviside, leakyRelu, relu, sigmoid, softplus, tanh } from '../ops/activation';
import { logSoftmax, softmax } from '../ops/softmax';
import { Module } from './module';

/** max(0, x). */
export class ReLU extends Module {
  override forward(x: Tensor): Tensor {
    return relu(x);
  }
}

/** x for x >= 0, negativeSlope * x below. */
export class LeakyReLU extends Module {
  constructor(readonly negativeSlope = 0.01) {
    super();
    if (!Number.isFinite(negativeSlope)) throw new RangeError(`LeakyReLU: negativeSlope must be finite, got ${negativeSlope}`);
  }

  override forward(x: Tensor): Tensor {
    return leakyRelu(x, this.negativeSlope);
  }

  override extraRepr(): string {
    return `negativeSlope=${this.negativeSlope}`;
  }
}

/** x for x > 0, alpha * (exp(x) - 1) below. */
export class ELU extends Module {
  constructor(readonly alpha = 1) {
    super();
    if (!Number.isFinite(alpha)) throw new RangeError(`ELU: alpha must be finite, got ${alpha}`);
  }

  override forward(x: Tensor): Tensor {
    return elu(x, this.alpha);
  }

  override extraRepr(): string {
    return `alpha=${this.alpha}`;
  }
}

/** x * Phi(x): exact (erf) by default, or the tanh approximation. */
export class GELU extends Module {
  constructor(readonly approximate: 'none' | 'tanh' = 'none') {
    super();
    if (approximate !== 'none' && approximate !== 'tanh') throw new Error(`GELU: approximate must be 'none' or 'tanh', got ${JSON.stringify(approximate)}`);
  }

  override forward(x: Tensor): Tensor {
    return gelu(x, this.approximate);
  }

  override extraRepr(): string {
    return this.approximate === 'none' ? '' : `approximate='${this.approximate}'`;
  }
}

/** 1 / (1 + exp(-x)). */
export class Sigmoid extends Module {
  override forward(x: Tensor): Tensor {
    return sigmoid(x);
  }
}

/** Hyperbolic tangent. */
export class Tanh extends Module {
  override forward(x: Tensor): Tensor {
    return tanh(x);
  }
}

/** log(1 + exp(beta x)) / beta, linear above beta x > threshold. */
export class Softplus extends Module {
  constructor(readonly beta = 1, readonly threshold = 20) {
    super();
    if (!(beta !== 0 && Number.isFinite(beta))) throw new RangeError(`Softplus: beta must be finite and nonzero, got ${beta}`);
  }

  override forward(x: Tensor): Tensor {
    return softplus(x, this.beta, this.threshold);
  }

  override extraRepr(): string {
    return `beta=${this.beta}, threshold=${this.threshold}`;
  }
}

/** The unit step of the perceptron: 1 for x > 0, else 0; its gradient is zero. */
export class Step extends Module {
  override forward(x: Tensor): Tensor {
    return heaviside(x, 0);
  }
}

/** Softmax along axis `dim` (PyTorch's argument name): each slice sums to 1. */
export class Softmax extends Module {
  constructor(readonly dim: number) {
    super();
    if (!Number.isInteger(dim)) throw new TypeError(`Softmax: dim must be an integer, got ${String(dim)}`);
  }

  override forward(x: Tensor): Tensor {
    return softmax(x, this.dim);
  }

  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

/** log(softmax(x)) along axis `dim`, computed stably (pairs with NLLLoss). */
export class LogSoftmax extends Module {
  constructor(readonly dim: number) {
    super();
    if (!Number.isInteger(dim)) throw new TypeError(`LogSoftmax: dim must be an integer, got ${String(dim)}`);
  }

  override forward(x: Tensor): Tensor {
    return logSoftmax(x, this.dim);
  }

  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}
