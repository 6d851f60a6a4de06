// Evaluation: the model in eval mode (dropout off, batch norm on its running statistics),
// no graph recorded, each batch's temporaries freed in a scope.
import { noGrad } from '../autograd/grad_mode';
import { crossEntropy } from '../ops/softmax';
import { scope } from '../scope';
import { eachBatch, inputAndTarget } from './batches';
import { countCorrect, RunningMetrics } from './metrics';
import type { Batches, LossFn, TrainableModel } from './types';

export interface EvaluateOptions {
  /** Default: cross-entropy on class indices. */
  lossFn?: LossFn;
}

export interface Evaluation {
  /** Mean loss per sample. */
  loss: number;
  /** Share of correct argmax predictions, or null for non-classification targets. */
  accuracy: number | null;
  samples: number;
}

/** Mean loss and accuracy of `model` over `loader`; the model's train/eval mode is restored after. */
export async function evaluate(model: TrainableModel, loader: Batches, options: EvaluateOptions = {}): Promise<Evaluation> {
  const lossFn: LossFn = options.lossFn ?? ((output, target) => crossEntropy(output, target));
  const metrics = new RunningMetrics();
  const wasTraining = model.training;
  model.eval();
  try {
    for await (const batch of eachBatch('evaluate', loader)) {
      const [x, y] = inputAndTarget('evaluate', batch);
      const { loss, correct } = scope(() =>
        noGrad(() => {
          const output = model.forward(x);
          return { loss: lossFn(output, y).item(), correct: countCorrect(output, y) };
        }),
      );
      metrics.add(loss, x.shape[0], correct);
    }
  } finally {
    model.train(wasTraining);
  }
  return { loss: metrics.loss, accuracy: metrics.accuracy, samples: metrics.samples };
}
