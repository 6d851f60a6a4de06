// kiln.optim: optimizers over the fused native steps, and gradient clipping.
export { Optimizer, KernelBatch } from './optimizer';
export type { Closure, OptimizerStateDict, ParamGroup, ParamGroupSpec, ParamState, StateValue } from './optimizer';
export { SGD } from './sgd';
export type { SGDOptions } from './sgd';
export { Adam, AdamW } from './adam';
export type { AdamOptions } from './adam';
export { Adagrad } from './adagrad';
export type { AdagradOptions } from './adagrad';
export { RMSprop } from './rmsprop';
export type { RMSpropOptions } from './rmsprop';
export { adaptiveClipGrad, clipGradNorm, clipGradValue } from './clip';
export type { ClipGradNormOptions } from './clip';
