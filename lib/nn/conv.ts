// Conv2d: a 2-D convolution layer over NCHW inputs (the conv2d op with its own weight and bias).
import { empty } from '../tensor/creation';
import type { DType } from '../tensor/dtype';
import type { Tensor } from '../tensor/tensor';
import { conv2d } from '../ops/conv';
import { checkCount, checkFloatDType, checkInput, formatPair } from './args';
import { resetWeightAndBias } from './linear';
import { pair } from '../ops/spatial_args';
import { Module, parameter } from './module';

/** Padding as conv2d takes it: one size, [h, w], [top, bottom, left, right], 'same' or 'valid'. */
export type Conv2dPadding = number | [number, number] | [number, number, number, number] | 'same' | 'valid';

/** Conv2d's options after the channel counts and kernel size (PyTorch's keywords). */
export interface Conv2dOptions {
  stride?: number | [number, number];
  padding?: Conv2dPadding;
  dilation?: number | [number, number];
  /** Splits the channels into groups convolved separately (inChannels and outChannels must divide). */
  groups?: number;
  bias?: boolean;
  dtype?: DType;
}

type ResolvedPadding = [number, number] | [number, number, number, number] | 'same' | 'valid';

function checkPadding(padding: Conv2dPadding, stride: readonly number[]): ResolvedPadding {
  if (padding === 'valid') return padding;
  if (padding === 'same') {
    if (stride[0] !== 1 || stride[1] !== 1) throw new RangeError(`Conv2d: padding 'same' needs stride 1, got stride ${formatPair(stride)}`);
    return padding;
  }
  if (Array.isArray(padding) && padding.length === 4) return padding.map((p) => checkCount('Conv2d', 'padding', p, true)) as [number, number, number, number];
  return pair('Conv2d', 'padding', padding, 0);
}

/**
 * y = conv2d(x, weight, bias) for x [N, inChannels, H, W]; weight
 * [outChannels, inChannels / groups, kh, kw], bias [outChannels]. PyTorch's argument order
 * and default init.
 */
export class Conv2d extends Module {
  declare weight: Tensor;
  declare bias: Tensor | null;
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: ResolvedPadding;
  readonly dilation: [number, number];
  readonly groups: number;

  constructor(inChannels: number, outChannels: number, kernelSize: number | [number, number], options: Conv2dOptions = {}) {
    super();
    this.inChannels = checkCount('Conv2d', 'inChannels', inChannels);
    this.outChannels = checkCount('Conv2d', 'outChannels', outChannels);
    this.kernelSize = pair('Conv2d', 'kernelSize', kernelSize, 1);
    this.stride = pair('Conv2d', 'stride', options.stride ?? 1, 1);
    this.padding = checkPadding(options.padding ?? 0, this.stride);
    this.dilation = pair('Conv2d', 'dilation', options.dilation ?? 1, 1);
    const groups = (this.groups = checkCount('Conv2d', 'groups', options.groups ?? 1));
    if (inChannels % groups !== 0) throw new RangeError(`Conv2d: inChannels ${inChannels} is not divisible by groups ${groups}`);
    if (outChannels % groups !== 0) throw new RangeError(`Conv2d: outChannels ${outChannels} is not divisible by groups ${groups}`);
    const dtype = checkFloatDType('Conv2d', options.dtype);
    this.registerParameter('weight', parameter(empty([outChannels, inChannels / groups, ...this.kernelSize], { dtype })));
    this.registerParameter('bias', options.bias === false ? null : parameter(empty([outChannels], { dtype })));
    this.resetParameters();
  }

  /** Re-draws weight and bias with PyTorch's default init (as Linear's, over fanIn = inChannels / groups * kh * kw). */
  resetParameters(): void {
    resetWeightAndBias(this.weight, this.bias);
  }

  override forward(x: Tensor): Tensor {
    checkInput('Conv2d', x, [4], this.inChannels);
    return conv2d(x, this.weight, this.bias, { stride: this.stride, padding: this.padding, dilation: this.dilation, groups: this.groups });
  }

  override extraRepr(): string {
    const parts = [`${this.inChannels}, ${this.outChannels}, kernelSize=${formatPair(this.kernelSize)}, stride=${formatPair(this.stride)}`];
    const p = this.padding;
    if (typeof p === 'string') parts.push(`padding='${p}'`);
    else if (p.some((v) => v !== 0)) parts.push(`padding=${formatPair(p)}`);
    if (this.dilation.some((v) => v !== 1)) parts.push(`dilation=${formatPair(this.dilation)}`);
    if (this.groups !== 1) parts.push(`groups=${this.groups}`);
    if (this.bias === null) parts.push('bias=false');
    return parts.join(', ');
  }
}
