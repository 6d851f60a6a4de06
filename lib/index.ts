// The public surface of kiln: re-exports only.
export { backendInfo, getNumThreads, setNumThreads } from './backend';
export type { BackendInfo, IsaName } from './backend';

export { Tensor, isTensor } from './tensor/tensor';
export type { TensorLike } from './tensor/tensor';
export type { DType } from './tensor/dtype';
export { arange, bernoulli, empty, eye, full, fullLike, linspace, ones, onesLike, rand, randint, randn, tensor, zeros, zerosLike } from './tensor/creation';
export type { CreateOptions, RandomOptions } from './tensor/creation';
export { Generator, defaultGenerator, manualSeed } from './tensor/generator';
export { emptyCache, memory } from './tensor/memory';
export type { MemoryInfo } from './tensor/memory';
export { scope, keep } from './scope';
export { setCacheLimit } from './tensor/storage';

export { enableGrad, isGradEnabled, noGrad } from './autograd/grad_mode';
export { grad } from './autograd/engine';
export type { BackwardOptions, GradOptions } from './autograd/engine';
export { gradcheck } from './autograd/gradcheck';
export type { GradcheckOptions } from './autograd/gradcheck';

export * from './ops/functions';
export { opTable } from './ops/op';
export type { OpInfo, OpSample } from './ops/op';

export * as nn from './nn/index';
export * as optim from './optim/index';
export * as data from './data/index';
export * as io from './io/index';
export { ProgressBar, countCorrect, evaluate, fit, formatEpoch } from './train/index';
export type { EpochLog, Evaluation, EvaluateOptions, FitOptions, ProgressOptions } from './train/index';
