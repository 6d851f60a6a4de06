// The training loop and its helpers.
export { fit, formatEpoch } from './fit';
export type { EpochLog, FitOptions } from './fit';
export { evaluate } from './evaluate';
export type { Evaluation, EvaluateOptions } from './evaluate';
export { countCorrect, RunningMetrics } from './metrics';
export { ProgressBar } from './progress';
export type { ProgressOptions } from './progress';
export type { Batches, LossFn, Scheduler, StepOptimizer, TrainableModel } from './types';
