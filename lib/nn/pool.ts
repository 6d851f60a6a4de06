// Pooling layers over NCHW inputs: MaxPool2d, AvgPool2d, AdaptiveAvgPool2d.
import type { Tensor } from '../tensor/tensor';
import { adaptiveAvgPool2d, avgPool2d, maxPool2d } from '../ops/pool';
import { checkCount, checkInput, formatPair } from './args';
import { pair } from '../ops/spatial_args';
import { Module } from './module';

interface PoolWindowOptions {
  /** Default: the kernel size (non-overlapping windows). */
  stride?: number | [number, number];
  padding?: number | [number, number];
  /** Rounds the output size up, so a partial window at the end counts. */
  ceilMode?: boolean;
}

/** MaxPool2d options after the kernel size. */
export interface MaxPool2dOptions extends PoolWindowOptions {
  dilation?: number | [number, number];
}

/** AvgPool2d options after the kernel size. */
export interface AvgPool2dOptions extends PoolWindowOptions {
  /** Divide by the whole window, padding included (default true), or by the inputs it covers. */
  countIncludePad?: boolean;
  /** Divide every window's sum by this instead. */
  divisorOverride?: number;
}

// The window settings both pools share, checked like PyTorch (padding at most half the kernel).
class Pool2d extends Module {
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly ceilMode: boolean;

  constructor(kernelSize: number | [number, number], options: PoolWindowOptions) {
    super();
    const where = this.constructor.name;
    this.kernelSize = pair(where, 'kernelSize', kernelSize, 1);
    this.stride = options.stride === undefined ? [...this.kernelSize] : pair(where, 'stride', options.stride, 1);
    this.padding = pair(where, 'padding', options.padding ?? 0, 0);
    if (this.padding[0] * 2 > this.kernelSize[0] || this.padding[1] * 2 > this.kernelSize[1]) {
      throw new RangeError(`${where}: padding ${formatPair(this.padding)} must be at most half of kernelSize ${formatPair(this.kernelSize)}`);
    }
    this.ceilMode = options.ceilMode ?? false;
  }

  protected window(): string {
    return `kernelSize=${formatPair(this.kernelSize)}, stride=${formatPair(this.stride)}, padding=${formatPair(this.padding)}`;
  }
}

/** The maximum of each window. */
export class MaxPool2d extends Pool2d {
  readonly dilation: [number, number];

  constructor(kernelSize: number | [number, number], options: MaxPool2dOptions = {}) {
    super(kernelSize, options);
    this.dilation = pair('MaxPool2d', 'dilation', options.dilation ?? 1, 1);
  }

  override forward(x: Tensor): Tensor {
    checkInput('MaxPool2d', x, [4]);
    return maxPool2d(x, this.kernelSize, { stride: this.stride, padding: this.padding, dilation: this.dilation, ceilMode: this.ceilMode });
  }

  override extraRepr(): string {
    return `${this.window()}, dilation=${formatPair(this.dilation)}, ceilMode=${this.ceilMode}`;
  }
}

/** The mean of each window. */
export class AvgPool2d extends Pool2d {
  readonly countIncludePad: boolean;
  readonly divisorOverride: number | undefined;

  constructor(kernelSize: number | [number, number], options: AvgPool2dOptions = {}) {
    super(kernelSize, options);
    this.countIncludePad = options.countIncludePad ?? true;
    this.divisorOverride = options.divisorOverride === undefined ? undefined : checkCount('AvgPool2d', 'divisorOverride', options.divisorOverride);
  }

  override forward(x: Tensor): Tensor {
    checkInput('AvgPool2d', x, [4]);
    return avgPool2d(x, this.kernelSize, { stride: this.stride, padding: this.padding, ceilMode: this.ceilMode, countIncludePad: this.countIncludePad, divisorOverride: this.divisorOverride });
  }

  override extraRepr(): string {
    return `${this.window()}, ceilMode=${this.ceilMode}, countIncludePad=${this.countIncludePad}${this.divisorOverride === undefined ? '' : `, divisorOverride=${this.divisorOverride}`}`;
  }
}

/** Averages each channel to a fixed outputSize whatever the input's size. */
export class AdaptiveAvgPool2d extends Module {
  readonly outputSize: [number, number];

  constructor(outputSize: number | [number, number]) {
    super();
    this.outputSize = pair('AdaptiveAvgPool2d', 'outputSize', outputSize, 1);
  }

  override forward(x: Tensor): Tensor {
    checkInput('AdaptiveAvgPool2d', x, [4]);
    return adaptiveAvgPool2d(x, this.outputSize);
  }

  override extraRepr(): string {
    return `outputSize=${formatPair(this.outputSize)}`;
  }
}
