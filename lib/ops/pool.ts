// Pooling over NCHW planes on the native pool kernels (docs/pool.md): max (with its indices),
// average and adaptive average, PyTorch's semantics. Inputs are [N, C, H, W] or unbatched
// [C, H, W]; a backward call repeats its forward's geometry.
import { native } from '../native';
import { formatShape } from '../tensor/shape';
import { Tensor } from '../tensor/tensor';
import { contiguous } from './convert';
import { f32 } from './kernels';
import { defineOp, register } from './op';
import { floatDType, pair, type FloatArray } from './spatial_args';

type Size2 = number | [number, number];

/** maxPool2d's window options; a number applies to both height and width. */
export interface MaxPool2dOptions {
  /** Default: the kernel size. */
  stride?: Size2;
  /** Implicit -Infinity padding on both sides, at most half the kernel. */
  padding?: Size2;
  dilation?: Size2;
  /** Output sizes rounded up (a last partial window that starts inside the input or left padding). */
  ceilMode?: boolean;
}

/** avgPool2d's window options; a number applies to both height and width. */
export interface AvgPool2dOptions {
  /** Default: the kernel size. */
  stride?: Size2;
  /** Implicit zero padding on both sides, at most half the kernel. */
  padding?: Size2;
  ceilMode?: boolean;
  /** Count the padding in each window's divisor (default true). */
  countIncludePad?: boolean;
  /** Divide every window's sum by this instead (a nonzero integer). */
  divisorOverride?: number;
}

/** n, c, h, w of a [N, C, H, W] or [C, H, W] input; throws naming op otherwise. */
function planes(op: string, x: Tensor): [number, number, number, number] {
  floatDType(op, [['input', x]]);
  if (x.ndim === 4) return [x.shape[0], x.shape[1], x.shape[2], x.shape[3]];
  if (x.ndim === 3) return [1, x.shape[0], x.shape[1], x.shape[2]];
  throw new RangeError(`${op}: input must be [N, C, H, W] or [C, H, W], got shape ${formatShape(x.shape)}`);
}

/** The input's shape with its last two dimensions replaced by (oh, ow). */
const outputShape = (x: Tensor, oh: number, ow: number): number[] => [...x.shape.slice(0, -2), oh, ow];

// The positional geometry every max/avg binding call starts with.
type WindowGeometry = [n: number, c: number, h: number, w: number, kernelH: number, kernelW: number, strideH: number, strideW: number, padH: number, padW: number];

interface Window {
  geometry: WindowGeometry;
  dilation: [number, number];
  ceilMode: boolean;
  outShape: number[];
}

/** Checks a max/avg pooling window's options and sizes its output, with op's name in every error. */
function poolWindow(op: string, x: Tensor, kernelSize: Size2, options: MaxPool2dOptions): Window {
  const [n, c, h, w] = planes(op, x);
  const kernel = pair(op, 'kernelSize', kernelSize, 1);
  const stride = pair(op, 'stride', options.stride ?? kernel, 1);
  const padding = pair(op, 'padding', options.padding ?? 0, 0);
  const dilation = pair(op, 'dilation', options.dilation ?? 1, 1);
  const ceilMode = options.ceilMode ?? false;
  const axis = (name: string, size: number, i: 0 | 1): number => {
    try {
      return native.pool2dOutputSize(size, kernel[i], stride[i], padding[i], dilation[i], ceilMode);
    } catch (e) {
      const reason = (e as Error).message.replace(/^pool2dOutputSize: /, '');
      throw new RangeError(`${op}: input ${formatShape(x.shape)}, ${name}: ${reason}`);
    }
  };
  const oh = axis('height', h, 0);
  const ow = axis('width', w, 1);
  return { geometry: [n, c, h, w, kernel[0], kernel[1], stride[0], stride[1], padding[0], padding[1]], dilation, ceilMode, outShape: outputShape(x, oh, ow) };
}

// The indices go to the caller through `out` (maxPool2dWithIndices) or stay the graph's own.
interface IndicesOut {
  indices: Tensor | null;
  keep: boolean;
}

const maxPool2dOp = defineOp<[Tensor, Window, IndicesOut], { window: Window; inShape: readonly number[] }>({
  name: 'maxPool2d',
  forward(ctx, x, win, out) {
    ctx.state = { window: win, inShape: x.shape };
    const y = Tensor.empty(win.outShape, x.dtype);
    const indices = Tensor.empty(win.outShape, 'int32');
    native.maxPool2dForward(...win.geometry, ...win.dilation, win.ceilMode, f32(x), y.array as FloatArray, indices.array as Int32Array);
    if (out.keep) {
      out.indices = indices;
      ctx.save(indices);
    } else {
      ctx.saveOwned(indices);
    }
    return y;
  },
  backward(ctx, g) {
    const [indices] = ctx.saved;
    const { window: win, inShape } = ctx.state;
    const dx = Tensor.empty(inShape, g.dtype);
    native.maxPool2dBackward(...win.geometry, ...win.dilation, win.ceilMode, f32(contiguous(g)), indices.array as Int32Array, dx.array as FloatArray);
    return [dx];
  },
});

/** Max over each kernelSize window of each H x W plane (-Infinity padding). */
export function maxPool2d(input: Tensor, kernelSize: Size2, options: MaxPool2dOptions = {}): Tensor {
  const win = poolWindow('maxPool2d', input, kernelSize, options);
  return maxPool2dOp(contiguous(input), win, { indices: null, keep: false });
}

/**
 * maxPool2d and, for each output, the flat position h * W + w of its max within its input
 * plane (int32), as F.max_pool2d(return_indices=True).
 */
export function maxPool2dWithIndices(input: Tensor, kernelSize: Size2, options: MaxPool2dOptions = {}): [Tensor, Tensor] {
  const win = poolWindow('maxPool2dWithIndices', input, kernelSize, options);
  const out: IndicesOut = { indices: null, keep: true };
  const y = maxPool2dOp(contiguous(input), win, out);
  return [y, out.indices as Tensor];
}

interface AvgState {
  geometry: WindowGeometry;
  ceilMode: boolean;
  countIncludePad: boolean;
  divisorOverride: number | null;
  inShape: readonly number[];
}

const avgPool2dOp = defineOp<[Tensor, AvgState, number[]], AvgState>({
  name: 'avgPool2d',
  forward(ctx, x, s, outShape) {
    ctx.state = s;
    const y = Tensor.empty(outShape, x.dtype);
    native.avgPool2dForward(...s.geometry, s.ceilMode, s.countIncludePad, s.divisorOverride, f32(x), y.array as FloatArray);
    return y;
  },
  backward(ctx, g) {
    const s = ctx.state;
    const dx = Tensor.empty(s.inShape, g.dtype);
    native.avgPool2dBackward(...s.geometry, s.ceilMode, s.countIncludePad, s.divisorOverride, f32(contiguous(g)), dx.array as FloatArray);
    return [dx];
  },
});

/** Mean over each kernelSize window of each H x W plane (zero padding; see AvgPool2dOptions). */
export function avgPool2d(input: Tensor, kernelSize: Size2, options: AvgPool2dOptions = {}): Tensor {
  const win = poolWindow('avgPool2d', input, kernelSize, options);
  const divisorOverride = options.divisorOverride ?? null;
  if (divisorOverride !== null && !(Number.isInteger(divisorOverride) && divisorOverride !== 0)) {
    throw new RangeError(`avgPool2d: divisorOverride must be a nonzero integer, got ${String(divisorOverride)}`);
  }
  const state: AvgState = { geometry: win.geometry, ceilMode: win.ceilMode, countIncludePad: options.countIncludePad ?? true, divisorOverride, inShape: input.shape };
  return avgPool2dOp(contiguous(input), state, win.outShape);
}

interface AdaptiveState {
  sizes: [n: number, c: number, h: number, w: number, outH: number, outW: number];
  inShape: readonly number[];
}

const adaptiveAvgPool2dOp = defineOp<[Tensor, AdaptiveState, number[]], AdaptiveState>({
  name: 'adaptiveAvgPool2d',
  forward(ctx, x, s, outShape) {
    ctx.state = s;
    const y = Tensor.empty(outShape, x.dtype);
    native.adaptiveAvgPool2dForward(...s.sizes, f32(x), y.array as FloatArray);
    return y;
  },
  backward(ctx, g) {
    const s = ctx.state;
    const dx = Tensor.empty(s.inShape, g.dtype);
    native.adaptiveAvgPool2dBackward(...s.sizes, f32(contiguous(g)), dx.array as FloatArray);
    return [dx];
  },
});

/**
 * Average pooling to an outputSize (oh x ow) grid: output (i, j) averages input rows
 * floor(i H / oh) .. ceil((i + 1) H / oh) - 1 and the columns alike.
 */
export function adaptiveAvgPool2d(input: Tensor, outputSize: Size2): Tensor {
  const [n, c, h, w] = planes('adaptiveAvgPool2d', input);
  const [oh, ow] = pair('adaptiveAvgPool2d', 'outputSize', outputSize, 1);
  if (h < 1 || w < 1) throw new RangeError(`adaptiveAvgPool2d: input ${formatShape(input.shape)} has an empty plane`);
  return adaptiveAvgPool2dOp(contiguous(input), { sizes: [n, c, h, w, oh, ow], inShape: input.shape }, outputShape(input, oh, ow));
}

const poolOptions = (p: Record<string, unknown>) => ({
  stride: p.stride as Size2 | undefined,
  padding: p.padding as Size2 | undefined,
  ceilMode: p.ceilMode as boolean | undefined,
});
const maxSamples = [
  { shapes: [[2, 2, 4, 4]], params: { kernelSize: 2 } },
  { shapes: [[1, 2, 7, 5]], params: { kernelSize: 3, stride: 2, padding: 1 } },
  { shapes: [[1, 2, 7, 8]], params: { kernelSize: [3, 2], stride: [2, 3], ceilMode: true } },
  { shapes: [[1, 1, 7, 6]], params: { kernelSize: 3, stride: 1, padding: 1, dilation: 2 } },
  { shapes: [[2, 3, 3]], params: { kernelSize: 2, stride: 1 } },
];
const maxCall = (p: Record<string, unknown>) => [p.kernelSize as Size2, { ...poolOptions(p), dilation: p.dilation as Size2 | undefined }] as const;
register({ name: 'maxPool2d', call: ([x], p) => maxPool2d(x, ...maxCall(p)), samples: maxSamples, differentiable: true });
register({ name: 'maxPool2dIndices', call: ([x], p) => maxPool2dWithIndices(x, ...maxCall(p))[1], samples: maxSamples.slice(1, 4), differentiable: false });
register({
  name: 'avgPool2d',
  call: ([x], p) => avgPool2d(x, p.kernelSize as Size2, { ...poolOptions(p), countIncludePad: p.countIncludePad as boolean | undefined, divisorOverride: p.divisorOverride as number | undefined }),
  samples: [
    { shapes: [[2, 2, 4, 4]], params: { kernelSize: 2 } },
    { shapes: [[1, 2, 7, 5]], params: { kernelSize: 3, stride: 2, padding: 1 } },
    { shapes: [[1, 2, 7, 5]], params: { kernelSize: 3, stride: 2, padding: 1, countIncludePad: false } },
    { shapes: [[1, 2, 7, 8]], params: { kernelSize: [3, 2], stride: [2, 3], padding: [1, 0], ceilMode: true, countIncludePad: false } },
    { shapes: [[1, 2, 5, 5]], params: { kernelSize: 2, stride: 2, ceilMode: true, divisorOverride: 3 } },
  ],
  differentiable: true,
});
register({
  name: 'adaptiveAvgPool2d',
  call: ([x], p) => adaptiveAvgPool2d(x, p.outputSize as Size2),
  samples: [
    { shapes: [[1, 2, 7, 9]], params: { outputSize: [3, 4] } },
    { shapes: [[2, 2, 4, 4]], params: { outputSize: 1 } },
    { shapes: [[2, 3, 3]], params: { outputSize: [5, 4] } },
  ],
  differentiable: true,
});
