// What the fit loop needs from a model, an optimizer, a scheduler and a loader: the shapes
// of kiln.nn.Module, kiln.optim.Optimizer and kiln.optim.lr schedules, structurally, so any
// object with these members trains.
import type { Tensor } from '../tensor/tensor';

/** A model: nn.Module's forward, train/eval switch and mode flag. */
export interface TrainableModel {
  training: boolean;
  forward(input: Tensor): Tensor;
  train(mode?: boolean): unknown;
  eval(): unknown;
}

/** An optimizer: nn.optim.Optimizer's step and zeroGrad. */
export interface StepOptimizer {
  step(): unknown;
  zeroGrad(setToNone?: boolean): void;
}

/** A learning-rate schedule (ReduceLROnPlateau takes the monitored metric). */
export interface Scheduler {
  step(metric?: number): unknown;
}

/** A loss: (model output, target) -> a scalar tensor averaged over the batch. */
export type LossFn = (output: Tensor, target: Tensor) => Tensor;

/** Batches of [input, target, ...]: a DataLoader, or any (async) iterable of tensor arrays. */
export type Batches = (Iterable<Tensor[]> | AsyncIterable<Tensor[]>) & { length?: number };
