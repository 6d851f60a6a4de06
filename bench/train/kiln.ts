// kiln's side of `npm run bench -- train` (W2 and W3 of ../shared/BENCH.md), written as a user
// would with the training API: nn.Sequential, optim.SGD with momentum, a shuffled, seeded
// data.DataLoader over a TensorDataset, crossEntropy. It loads the built package (dist/, built
// by bench/train.ts) and runs in a process of its own, so that its peak RSS is its own.
// Usage: tsx bench/train/kiln.ts THREADS w2 EPOCHS | THREADS w3 WARMUP TIMED FULL_EPOCH
import type * as Models from '../../lib/cli/models';
import type * as Kiln from '../../lib/index';
import { loadFashionMnist, type Split } from '../fashion';
import { requireBuilt } from '../util';
import { emit, parseSpec, peakRssMiB, SEEDS, startTimer, recordSpeed, W2, W3, type TrainResult } from './workloads';

const kiln = requireBuilt<typeof Kiln>('index.js');
const { optim, data } = kiln;

// The main job's W2 and W3 models (lib/cli/models.ts), from the same built package.
const { mlp, cnn } = requireBuilt<typeof Models>('cli/models.js');
type Model = ReturnType<typeof mlp>;

interface Images {
  x: Kiln.Tensor;
  labels: Int32Array;
}

/** Fashion-MNIST (bench/fashion.ts) with the images straight in tensor storage, so that they are held once. */
function load(imageShape: number[]): { train: Images; test: Images } {
  const storage: Kiln.Tensor[] = [];
  const { train, test } = loadFashionMnist(undefined, (length) => {
    storage.push(kiln.empty([length]));
    return storage[storage.length - 1].data() as Float32Array;
  });
  const images = (split: Split, i: number): Images => ({ x: storage[i].reshape([split.n, ...imageShape]), labels: split.labels });
  return { train: images(train, 0), test: images(test, 1) };
}

function accuracy(model: Model, test: Images): number {
  model.eval();
  let correct = 0;
  const total = test.labels.length;
  kiln.noGrad(() => {
    for (let start = 0; start < total; start += 1000) {
      const n = Math.min(1000, total - start);
      kiln.scope(() => {
        const predicted = model.forward(test.x.narrow(0, start, n)).argmax(1).values();
        for (let i = 0; i < n; i++) if (predicted[i] === test.labels[start + i]) correct++;
      });
    }
  });
  model.train();
  return correct / total;
}

function loaderOf(train: Images, batchSize: number): InstanceType<typeof data.DataLoader> {
  const dataset = new data.TensorDataset(train.x, kiln.tensor(train.labels, { dtype: 'int32' }));
  return new data.DataLoader(dataset, { batchSize, shuffle: true, dropLast: true, seed: SEEDS.shuffle });
}

/**
 * One SGD step on a batch, as a PyTorch loop writes it; the scope frees the step's temporaries
 * and the loader the batch, when the loop moves on.
 */
function trainStep(model: Model, optimizer: InstanceType<typeof optim.SGD>): (x: Kiln.Tensor, y: Kiln.Tensor) => void {
  return (x, y) => {
    optimizer.zeroGrad();
    kiln.scope(() => kiln.crossEntropy(model.forward(x), y).backward());
    optimizer.step();
  };
}

function main(): void {
  const [threads, ...rest] = process.argv.slice(2);
  const spec = parseSpec(rest);
  kiln.setNumThreads(Number(threads));
  kiln.manualSeed(SEEDS.weights);
  const { train, test } = load(spec.workload === 'w2' ? [784] : [1, 28, 28]);
  const result: TrainResult = {
    peer: 'kiln',
    samplesPerSecond: [],
    samplesPerCpuSecond: [],
    accuracy: [],
    accuracyEpochs: [],
    peakRssMiB: 0,
    threads: { kiln: kiln.getNumThreads(), isa: kiln.backendInfo().isa },
  };
  if (spec.workload === 'w2') {
    const model = mlp();
    const step = trainStep(model, new optim.SGD(model.parameters(), { lr: W2.lr, momentum: W2.momentum }));
    const loader = loaderOf(train, W2.batchSize);
    for (let epoch = 1; epoch <= spec.epochs; epoch++) {
      const timer = startTimer();
      let samples = 0;
      for (const [x, y] of loader) {
        samples += x.shape[0];
        step(x, y);
      }
      recordSpeed(result, samples, timer);
      result.accuracy.push(accuracy(model, test));
      result.accuracyEpochs.push(epoch);
    }
  } else {
    const model = cnn();
    const step = trainStep(model, new optim.SGD(model.parameters(), { lr: W3.lr, momentum: W3.momentum }));
    const loader = loaderOf(train, W3.batchSize);
    const timedTo = spec.warmupBatches + spec.timedBatches;
    let batch = 0;
    let samples = 0;
    let timer = startTimer();
    for (const [x, y] of loader) {
      if (batch === spec.warmupBatches) timer = startTimer();
      if (batch >= spec.warmupBatches && batch < timedTo) samples += x.shape[0];
      step(x, y);
      if (++batch === timedTo) {
        recordSpeed(result, samples, timer);
        if (!spec.fullEpoch) break;
      }
    }
    if (spec.fullEpoch) {
      result.accuracy.push(accuracy(model, test));
      result.accuracyEpochs.push(1);
    }
  }
  result.peakRssMiB = peakRssMiB();
  emit(result);
}

main();
