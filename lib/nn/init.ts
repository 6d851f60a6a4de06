// nn.init: fills a tensor in place (under noGrad, so parameters can be filled) with PyTorch's
// initialisation schemes. Each returns the tensor it filled. Random fills take an optional
// Generator (else the default one, seeded by kiln.manualSeed).
import { noGrad } from '../autograd/grad_mode';
import { isTensor } from '../tensor/brand';
import { rand, randn } from '../tensor/creation';
import { isFloat } from '../tensor/dtype';
import type { Generator } from '../tensor/generator';
import { formatShape } from '../tensor/shape';
import type { Tensor } from '../tensor/tensor';

/** Options of every random init. */
export interface InitOptions {
  generator?: Generator;
}

/** Which fan a Kaiming init scales by: fanIn keeps the forward variance, fanOut the backward. */
export type FanMode = 'fanIn' | 'fanOut';

/** The nonlinearities calculateGain knows (PyTorch's names in camelCase). */
export type Nonlinearity =
  | 'linear' | 'conv1d' | 'conv2d' | 'conv3d' | 'convTranspose1d' | 'convTranspose2d' | 'convTranspose3d'
  | 'sigmoid' | 'tanh' | 'relu' | 'leakyRelu' | 'selu';

const LINEAR_LIKE = new Set(['linear', 'conv1d', 'conv2d', 'conv3d', 'convTranspose1d', 'convTranspose2d', 'convTranspose3d', 'sigmoid']);

/**
 * The recommended gain for a nonlinearity (PyTorch's table): 1 for linear/conv/sigmoid, 5/3
 * for tanh, sqrt(2) for relu, sqrt(2 / (1 + slope^2)) for leakyRelu (slope `param`, default
 * 0.01), 3/4 for selu.
 */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  if (LINEAR_LIKE.has(nonlinearity)) return 1;
  switch (nonlinearity) {
    case 'tanh':
      return 5 / 3;
    case 'relu':
      return Math.SQRT2;
    case 'leakyRelu': {
      const slope = param ?? 0.01;
      if (typeof slope !== 'number' || !Number.isFinite(slope)) throw new TypeError(`calculateGain: negative slope ${String(param)} is not a finite number`);
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case 'selu':
      return 3 / 4;
    default:
      throw new Error(`calculateGain: unsupported nonlinearity ${JSON.stringify(nonlinearity)}`);
  }
}

/**
 * [fanIn, fanOut] of a weight as PyTorch computes them: for [out, in, ...kernel],
 * fanIn = in * prod(kernel) and fanOut = out * prod(kernel). Needs at least 2 axes.
 */
export function calculateFanInAndFanOut(t: Tensor): [number, number] {
  if (t.ndim < 2) throw new RangeError(`calculateFanInAndFanOut: fan in and fan out need at least 2 axes, got shape ${formatShape(t.shape)}`);
  let receptive = 1;
  for (let i = 2; i < t.ndim; i++) receptive *= t.shape[i];
  return [t.shape[1] * receptive, t.shape[0] * receptive];
}

function checkTarget(op: string, t: Tensor): void {
  if (!isTensor(t)) throw new TypeError(`${op}: expected a Tensor`);
  if (!isFloat(t.dtype)) throw new TypeError(`${op}: tensor of shape ${formatShape(t.shape)} is ${t.dtype}; init fills float tensors`);
}

// Writes a freshly drawn tensor into t (t may be a parameter or a non-contiguous view).
function fillFrom(t: Tensor, draw: () => Tensor): Tensor {
  noGrad(() => {
    const values = draw();
    t.copy_(values);
    values.dispose();
  });
  return t;
}

/** Fills t with U(a, b). */
export function uniform_(t: Tensor, a = 0, b = 1, options: InitOptions = {}): Tensor {
  checkTarget('uniform_', t);
  if (!(Number.isFinite(a) && Number.isFinite(b) && a <= b)) throw new RangeError(`uniform_: bounds a ${a} and b ${b} must be finite with a <= b`);
  return fillFrom(t, () => rand(t.shape, { dtype: t.dtype, low: a, high: b, generator: options.generator }));
}

/** Fills t with N(mean, std^2). */
export function normal_(t: Tensor, mean = 0, std = 1, options: InitOptions = {}): Tensor {
  checkTarget('normal_', t);
  if (!(Number.isFinite(mean) && Number.isFinite(std) && std >= 0)) throw new RangeError(`normal_: mean ${mean} and std ${std} must be finite with std >= 0`);
  return fillFrom(t, () => randn(t.shape, { dtype: t.dtype, mean, std, generator: options.generator }));
}

/** Fills t with `value`. */
export function constant_(t: Tensor, value: number): Tensor {
  checkTarget('constant_', t);
  if (typeof value !== 'number') throw new TypeError(`constant_: value must be a number, got ${typeof value}`);
  noGrad(() => t.fill_(value));
  return t;
}

/** Fills t with 0. */
export const zeros_ = (t: Tensor): Tensor => constant_(t, 0);
/** Fills t with 1. */
export const ones_ = (t: Tensor): Tensor => constant_(t, 1);

/** xavierUniform_ / xavierNormal_ options. */
export interface XavierOptions extends InitOptions {
  /** Scales the standard deviation (default 1; see calculateGain). */
  gain?: number;
}

function xavierStd(op: string, t: Tensor, gain: number): number {
  checkTarget(op, t);
  const [fanIn, fanOut] = calculateFanInAndFanOut(t);
  return gain * Math.sqrt(2 / (fanIn + fanOut));
}

/** Glorot: U(-bound, bound) with bound = gain * sqrt(6 / (fanIn + fanOut)). */
export function xavierUniform_(t: Tensor, options: XavierOptions = {}): Tensor {
  const bound = Math.sqrt(3) * xavierStd('xavierUniform_', t, options.gain ?? 1);
  return uniform_(t, -bound, bound, options);
}

/** Glorot: N(0, std^2) with std = gain * sqrt(2 / (fanIn + fanOut)). */
export function xavierNormal_(t: Tensor, options: XavierOptions = {}): Tensor {
  return normal_(t, 0, xavierStd('xavierNormal_', t, options.gain ?? 1), options);
}

/** kaimingUniform_ / kaimingNormal_ options (PyTorch's a, mode, nonlinearity). */
export interface KaimingOptions extends InitOptions {
  /** The negative slope of the leaky ReLU that follows (used only for 'leakyRelu'; default 0). */
  a?: number;
  /** Default 'fanIn'. */
  mode?: FanMode;
  /** Default 'leakyRelu' (with a = 0 that is ReLU's gain, sqrt(2)). */
  nonlinearity?: Nonlinearity;
}

function kaimingStd(op: string, t: Tensor, options: KaimingOptions): number {
  checkTarget(op, t);
  const { a = 0, mode = 'fanIn', nonlinearity = 'leakyRelu' } = options;
  if (mode !== 'fanIn' && mode !== 'fanOut') throw new Error(`${op}: mode must be 'fanIn' or 'fanOut', got ${JSON.stringify(mode)}`);
  const [fanIn, fanOut] = calculateFanInAndFanOut(t);
  const fan = mode === 'fanIn' ? fanIn : fanOut;
  if (fan === 0) throw new RangeError(`${op}: cannot initialise a tensor of shape ${formatShape(t.shape)} with a zero fan`);
  return calculateGain(nonlinearity, a) / Math.sqrt(fan);
}

/** He: U(-bound, bound) with bound = gain * sqrt(3 / fan). */
export function kaimingUniform_(t: Tensor, options: KaimingOptions = {}): Tensor {
  const bound = Math.sqrt(3) * kaimingStd('kaimingUniform_', t, options);
  return uniform_(t, -bound, bound, options);
}

/** He: N(0, std^2) with std = gain / sqrt(fan). */
export function kaimingNormal_(t: Tensor, options: KaimingOptions = {}): Tensor {
  return normal_(t, 0, kaimingStd('kaimingNormal_', t, options), options);
}
