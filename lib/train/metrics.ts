// Running loss and accuracy over an epoch, weighted by batch size.
import { noGrad } from '../autograd/grad_mode';
import type { Tensor } from '../tensor/tensor';

/**
 * How many rows of `output` ([N, C] scores) have their argmax at the int32 class in `target`
 * ([N]); null when the pair is not a classification (other shapes or a float target).
 */
export function countCorrect(output: Tensor, target: Tensor): number | null {
  if (output.ndim !== 2 || target.ndim !== 1 || target.dtype !== 'int32' || target.shape[0] !== output.shape[0]) return null;
  const predicted = noGrad(() => output.argmax(1)).values();
  const labels = target.values();
  let correct = 0;
  for (let i = 0; i < labels.length; i++) if (predicted[i] === labels[i]) correct++;
  return correct;
}

/** Mean loss and accuracy of the batches seen so far. */
export class RunningMetrics {
  private lossSum = 0;
  private correct = 0;
  private classified = 0;
  /** Samples seen. */
  samples = 0;

  /** Adds one batch: its mean loss, its size, and its correct count (null: not a classification). */
  add(loss: number, batchSize: number, correct: number | null): void {
    this.lossSum += loss * batchSize;
    this.samples += batchSize;
    if (correct !== null) {
      this.correct += correct;
      this.classified += batchSize;
    }
  }

  get loss(): number {
    return this.samples === 0 ? NaN : this.lossSum / this.samples;
  }

  /** Share of correct predictions in [0, 1]; null when no batch was a classification. */
  get accuracy(): number | null {
    return this.classified === 0 ? null : this.correct / this.classified;
  }
}
