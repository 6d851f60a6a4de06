// conv2d on the native convolution kernels (docs/conv.md): forward, and in backward the data,
// weight and bias gradients, each only when its input needs it.
import type { Conv2dGeometry } from '../bindings/conv';
import { native } from '../native';
import { formatShape } from '../tensor/shape';
import { Tensor } from '../tensor/tensor';
import { contiguous } from './convert';
import { f32 } from './kernels';
import { defineOp, register } from './op';
import { checkShapeIs, floatDType, pair, type FloatArray } from './spatial_args';

/** conv2d's geometry options; a number applies to both height and width. */
export interface Conv2dOptions {
  stride?: number | [number, number];
  /**
   * Zero padding: one number for all sides, [h, w], [top, bottom, left, right], 'valid' (none)
   * or 'same' (output size = input size; stride 1 only; an odd total puts the extra row and
   * column at the bottom and right, as PyTorch).
   */
  padding?: number | [number, number] | [number, number, number, number] | 'same' | 'valid';
  dilation?: number | [number, number];
  groups?: number;
}

interface ConvState {
  geometry: Conv2dGeometry;
  hasBias: boolean;
  /** Output positions per image and channel, oh * ow (the bias gradient sums over them). */
  spatial: number;
}

const conv2dOp = defineOp<[Tensor, Tensor, Tensor | null, Conv2dGeometry, number[]], ConvState>({
  name: 'conv2d',
  forward(ctx, x, weight, bias, geometry, outShape) {
    ctx.state = { geometry, hasBias: bias !== null, spatial: outShape[outShape.length - 1] * outShape[outShape.length - 2] };
    const y = Tensor.empty(outShape, x.dtype);
    native.conv2dForward(f32(x), f32(weight), bias === null ? null : f32(bias), y.array as FloatArray, ...geometry);
    ctx.save(x, weight);
    return y;
  },
  backward(ctx, g) {
    const [x, weight] = ctx.saved;
    const { geometry, hasBias, spatial } = ctx.state;
    const [needX, needW, needB] = ctx.needsInputGrad;
    const dy = contiguous(g);
    const dyArray = f32(dy);
    let dx: Tensor | null = null;
    let dw: Tensor | null = null;
    if (needX) {
      dx = Tensor.empty(x.shape, x.dtype);
      native.conv2dBackwardData(dyArray, f32(weight), dx.array as FloatArray, ...geometry);
    }
    if (needW) {
      dw = Tensor.empty(weight.shape, weight.dtype);
      native.conv2dBackwardWeight(f32(x), dyArray, dw.array as FloatArray, ...geometry);
    }
    if (!hasBias) return [dx, dw];
    let db: Tensor | null = null;
    if (needB) {
      const [n, , , , cout] = geometry;
      db = Tensor.empty([cout], dy.dtype);
      native.conv2dBackwardBias(dyArray, db.array as FloatArray, n, cout, spatial);
    }
    return [dx, dw, db];
  },
});

/** Per-side padding [top, bottom, left, right] from conv2d's padding option. */
function paddingSides(padding: Conv2dOptions['padding'], kernel: [number, number], stride: [number, number], dilation: [number, number]): [number, number, number, number] {
  if (padding === 'valid') return [0, 0, 0, 0];
  if (padding === 'same') {
    if (stride[0] !== 1 || stride[1] !== 1) throw new RangeError(`conv2d: padding 'same' needs stride 1, got stride [${stride.join(', ')}]`);
    const [th, tw] = [dilation[0] * (kernel[0] - 1), dilation[1] * (kernel[1] - 1)];
    return [Math.floor(th / 2), th - Math.floor(th / 2), Math.floor(tw / 2), tw - Math.floor(tw / 2)];
  }
  if (Array.isArray(padding) && padding.length === 4) {
    if (!padding.every((v) => Number.isInteger(v) && v >= 0)) throw new RangeError(`conv2d: padding must be integers >= 0, got ${JSON.stringify(padding)}`);
    return [padding[0], padding[1], padding[2], padding[3]];
  }
  const [ph, pw] = pair('conv2d', 'padding', padding ?? 0, 0);
  return [ph, ph, pw, pw];
}

/** One output axis: floor((in + lo + hi - dilation (k - 1) - 1) / stride) + 1. */
const outputSize = (size: number, k: number, stride: number, lo: number, hi: number, dilation: number): number =>
  Math.floor((size + lo + hi - dilation * (k - 1) - 1) / stride) + 1;

/**
 * 2-D convolution (PyTorch's cross-correlation) of input [N, Cin, H, W] (or unbatched
 * [Cin, H, W]) with weight [Cout, Cin / groups, kh, kw], plus bias [Cout] when given.
 * Output [N, Cout, oh, ow], oh = floor((H + padTop + padBottom - dilation (kh - 1) - 1) / stride) + 1.
 */
export function conv2d(input: Tensor, weight: Tensor, bias: Tensor | null = null, options: Conv2dOptions = {}): Tensor {
  floatDType('conv2d', [['input', input], ['weight', weight], ['bias', bias]]);
  const batched = input.ndim === 4;
  if (!batched && input.ndim !== 3) throw new RangeError(`conv2d: input must be [N, C, H, W] or [C, H, W], got shape ${formatShape(input.shape)}`);
  if (weight.ndim !== 4) throw new RangeError(`conv2d: weight must be [Cout, Cin / groups, kh, kw], got shape ${formatShape(weight.shape)}`);
  const [n, cin, h, w] = batched ? input.shape : [1, ...input.shape];
  const [cout, cinPerGroup, kh, kw] = weight.shape;
  const groups = options.groups ?? 1;
  if (!Number.isInteger(groups) || groups < 1) throw new RangeError(`conv2d: groups must be an integer >= 1, got ${String(groups)}`);
  if (cin % groups !== 0 || cout % groups !== 0) throw new RangeError(`conv2d: input channels ${cin} and output channels ${cout} must both be divisible by groups ${groups}`);
  if (cinPerGroup * groups !== cin) {
    throw new RangeError(`conv2d: weight ${formatShape(weight.shape)} with groups ${groups} expects ${cinPerGroup * groups} input channels, got input ${formatShape(input.shape)}`);
  }
  if (kh < 1 || kw < 1 || cout < 1) throw new RangeError(`conv2d: weight ${formatShape(weight.shape)} has an empty dimension`);
  checkShapeIs('conv2d', 'bias', bias, [cout]);
  const stride = pair('conv2d', 'stride', options.stride ?? 1, 1);
  const dilation = pair('conv2d', 'dilation', options.dilation ?? 1, 1);
  const [pt, pb, pl, pr] = paddingSides(options.padding, [kh, kw], stride, dilation);
  const oh = outputSize(h, kh, stride[0], pt, pb, dilation[0]);
  const ow = outputSize(w, kw, stride[1], pl, pr, dilation[1]);
  if (oh < 1 || ow < 1) {
    throw new RangeError(`conv2d: input ${formatShape(input.shape)} padded by [${pt}, ${pb}, ${pl}, ${pr}] is smaller than the dilated kernel ${formatShape([kh, kw])} (dilation [${dilation.join(', ')}]): output would be ${oh}x${ow}`);
  }
  const geometry: Conv2dGeometry = [n, cin, h, w, cout, kh, kw, stride[0], stride[1], pt, pb, pl, pr, dilation[0], dilation[1], groups];
  const outShape = batched ? [n, cout, oh, ow] : [cout, oh, ow];
  return conv2dOp(contiguous(input), contiguous(weight), bias === null ? null : contiguous(bias), geometry, outShape);
}

type PaddingParam = Conv2dOptions['padding'];

register({
  name: 'conv2d',
  call: ([x, w, b], p) => conv2d(x, w, b ?? null, {
    stride: p.stride as number | [number, number] | undefined,
    padding: p.padding as PaddingParam,
    dilation: p.dilation as number | [number, number] | undefined,
    groups: p.groups as number | undefined,
  }),
  samples: [
    { shapes: [[2, 2, 5, 4], [3, 2, 3, 3], [3]] },
    { shapes: [[2, 2, 5, 5], [2, 2, 3, 3], [2]], params: { stride: 2, padding: 1 } },
    { shapes: [[1, 2, 5, 4], [2, 2, 3, 2]], params: { stride: [1, 2], padding: [2, 1, 0, 1] } },
    { shapes: [[1, 2, 6, 6], [2, 2, 3, 3], [2]], params: { dilation: 2, padding: 2 } },
    { shapes: [[2, 4, 4, 3], [4, 2, 3, 3], [4]], params: { groups: 2, padding: 1 } },
    { shapes: [[1, 3, 5, 4], [3, 1, 3, 3], [3]], params: { groups: 3, padding: 'same' } },
    { shapes: [[1, 2, 4, 5], [2, 2, 2, 4], [2]], params: { padding: 'same', dilation: [1, 2] } },
    { shapes: [[3, 4, 4], [2, 3, 1, 1], [2]], params: { padding: 'valid' } },
  ],
  differentiable: true,
});
