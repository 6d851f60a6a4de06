// The fit loop: epochs of (zeroGrad, forward, loss, backward, step) over a loader, each step
// in a scope so its temporaries are freed as it ends, the event loop free between steps,
// optional validation, a learning-rate schedule, a progress line and per-epoch logs.
import { crossEntropy } from '../ops/softmax';
import { scope } from '../scope';
import { eachBatch, inputAndTarget } from './batches';
import { evaluate } from './evaluate';
import { countCorrect, RunningMetrics } from './metrics';
import { ProgressBar, type ProgressOptions } from './progress';
import type { Batches, LossFn, Scheduler, StepOptimizer, TrainableModel } from './types';

/** What one epoch did. Losses are means per sample; accuracies in [0, 1] (null: not a classification). */
export interface EpochLog {
  /** 1-based. */
  epoch: number;
  epochs: number;
  trainLoss: number;
  trainAccuracy: number | null;
  /** Present when `validation` was given. */
  valLoss?: number;
  valAccuracy?: number | null;
  /** The learning rate of the optimizer's first param group at the end of the epoch, when it has one. */
  lr?: number;
  /** Training time of the epoch (without validation). */
  seconds: number;
  samplesPerSecond: number;
}

export interface FitOptions {
  /** Passes over the loader (default 1). */
  epochs?: number;
  /** Default: cross-entropy on class indices. */
  lossFn?: LossFn;
  /** Evaluated (eval mode, no grad) after every epoch. */
  validation?: Batches;
  /** Stepped after every epoch (default) or every batch (`schedulerStep: 'batch'`). */
  scheduler?: Scheduler;
  schedulerStep?: 'epoch' | 'batch';
  /** Pass this epoch metric to scheduler.step(metric) (ReduceLROnPlateau); default: step() without one. */
  schedulerMetric?: 'trainLoss' | 'valLoss' | 'valAccuracy';
  /** Called after every epoch; returning false stops training (early stopping). */
  onEpoch?: (log: EpochLog) => void | boolean | Promise<void | boolean>;
  /** A progress line on stderr (true, or its options); default off. */
  progress?: boolean | ProgressOptions;
}

function checkOptions(model: TrainableModel, optimizer: StepOptimizer, options: FitOptions): number {
  const { epochs = 1 } = options;
  if (model === null || typeof model !== 'object' || typeof model.forward !== 'function' || typeof model.train !== 'function' || typeof model.eval !== 'function') {
    throw new TypeError('fit: model must be an nn.Module (forward, train, eval)');
  }
  if (optimizer === null || typeof optimizer !== 'object' || typeof optimizer.step !== 'function' || typeof optimizer.zeroGrad !== 'function') {
    throw new TypeError('fit: optimizer must be an optim.Optimizer (step, zeroGrad)');
  }
  if (!Number.isInteger(epochs) || epochs < 1) throw new RangeError(`fit: epochs must be a positive integer, got ${String(epochs)}`);
  if (options.schedulerStep !== undefined && options.schedulerStep !== 'epoch' && options.schedulerStep !== 'batch') {
    throw new RangeError(`fit: schedulerStep must be 'epoch' or 'batch', got ${String(options.schedulerStep)}`);
  }
  if (options.schedulerMetric !== undefined && options.schedulerMetric !== 'trainLoss' && options.validation === undefined) {
    throw new Error(`fit: schedulerMetric '${options.schedulerMetric}' needs a validation loader`);
  }
  return epochs;
}

const firstLr = (optimizer: StepOptimizer): number | undefined => {
  const groups = (optimizer as { paramGroups?: { lr?: unknown }[] }).paramGroups;
  const lr = Array.isArray(groups) ? groups[0]?.lr : undefined;
  return typeof lr === 'number' ? lr : undefined;
};

const percent = (a: number | null): string => (a === null ? '' : ` acc ${(100 * a).toFixed(2)}%`);

/**
 * Trains `model` on `loader` for `epochs` epochs and returns one log per epoch. The model is in
 * train mode while training and back in its original mode after.
 */
export async function fit(model: TrainableModel, optimizer: StepOptimizer, loader: Batches, options: FitOptions = {}): Promise<EpochLog[]> {
  const epochs = checkOptions(model, optimizer, options);
  const lossFn: LossFn = options.lossFn ?? ((output, target) => crossEntropy(output, target));
  const { scheduler, schedulerStep = 'epoch' } = options;
  const progressOptions = options.progress === true ? {} : options.progress || null;
  const wasTraining = model.training;
  const history: EpochLog[] = [];
  try {
    for (let epoch = 1; epoch <= epochs; epoch++) {
      model.train(true);
      const metrics = new RunningMetrics();
      const bar = progressOptions === null ? null : new ProgressBar(`epoch ${epoch}/${epochs}`, loader.length, progressOptions);
      const start = performance.now();
      let steps = 0;
      try {
        for await (const batch of eachBatch('fit', loader)) {
          const [x, y] = inputAndTarget('fit', batch);
          const { loss, correct } = scope(() => {
            optimizer.zeroGrad();
            const output = model.forward(x);
            const lossTensor = lossFn(output, y);
            lossTensor.backward();
            optimizer.step();
            return { loss: lossTensor.item(), correct: countCorrect(output, y) };
          });
          if (!Number.isFinite(loss)) throw new Error(`fit: the loss became ${loss} at epoch ${epoch}, step ${steps + 1}; lower the learning rate`);
          metrics.add(loss, x.shape[0], correct);
          if (scheduler !== undefined && schedulerStep === 'batch') scheduler.step();
          bar?.update(++steps, `loss ${metrics.loss.toFixed(4)}${percent(metrics.accuracy)}`);
        }
      } finally {
        bar?.finish();
      }
      const seconds = (performance.now() - start) / 1000;
      const log: EpochLog = { epoch, epochs, trainLoss: metrics.loss, trainAccuracy: metrics.accuracy, seconds, samplesPerSecond: metrics.samples / seconds };
      if (options.validation !== undefined) {
        const val = await evaluate(model, options.validation, { lossFn });
        log.valLoss = val.loss;
        log.valAccuracy = val.accuracy;
      }
      if (scheduler !== undefined && schedulerStep === 'epoch') {
        const metric = options.schedulerMetric;
        if (metric === undefined) scheduler.step();
        else scheduler.step(metric === 'trainLoss' ? log.trainLoss : metric === 'valLoss' ? (log.valLoss as number) : (log.valAccuracy ?? NaN));
      }
      const lr = firstLr(optimizer);
      if (lr !== undefined) log.lr = lr;
      history.push(log);
      if ((await options.onEpoch?.(log)) === false) break;
    }
  } finally {
    model.train(wasTraining);
  }
  return history;
}

/** One line summarizing an epoch: "epoch 3/10  train loss 0.1234 acc 96.10%  val loss ... (4.2 s, 1900 samples/s)". */
export function formatEpoch(log: EpochLog): string {
  const width = String(log.epochs).length;
  const val = log.valLoss === undefined ? '' : `  val loss ${log.valLoss.toFixed(4)}${percent(log.valAccuracy ?? null)}`;
  const lr = log.lr === undefined ? '' : `  lr ${log.lr.toPrecision(3)}`;
  return `epoch ${String(log.epoch).padStart(width)}/${log.epochs}  train loss ${log.trainLoss.toFixed(4)}${percent(log.trainAccuracy)}${val}${lr}  (${log.seconds.toFixed(1)} s, ${Math.round(log.samplesPerSecond)} samples/s)`;
}
