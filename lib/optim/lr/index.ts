// kiln.optim.lr: learning-rate schedules. Each drives any object with
// `paramGroups: { lr: number }[]`; step it per batch or per epoch, as the schedule is meant.
export { LRScheduler, FactorLR } from './scheduler';
export type { LRSchedulerState, ParamGroupLike, SchedulableOptimizer } from './scheduler';
export { ConstantLR, ExponentialLR, LinearLR, MultiStepLR, StepLR } from './decay';
export type { ConstantLROptions, ExponentialLROptions, LinearLROptions, MultiStepLROptions, StepLROptions } from './decay';
export { LambdaLR, MultiplicativeLR } from './lambda';
export type { LambdaLROptions, LrLambda } from './lambda';
export { ExponentialDecayLR, InverseSqrtLR, InverseTimeLR, SqrtDecayLR } from './seed_decay';
export type { ExponentialDecayLROptions, InverseSqrtLROptions, InverseTimeLROptions, SqrtDecayLROptions } from './seed_decay';
export { CosineAnnealingLR, CosineAnnealingWarmRestarts } from './cosine';
export type { CosineAnnealingLROptions, CosineAnnealingWarmRestartsOptions, CosineAnnealingWarmRestartsState } from './cosine';
export { SequentialLR } from './sequential';
export type { SequentialLROptions, SequentialLRState } from './sequential';
export { CyclicLR } from './cyclic';
export type { CyclicLROptions, CyclicMode } from './cyclic';
export { OneCycleLR } from './one_cycle';
export type { OneCycleLROptions } from './one_cycle';
export { ReduceLROnPlateau } from './plateau';
export type { ReduceLROnPlateauOptions, ReduceLROnPlateauState } from './plateau';
