// TensorFlow.js's side of `npm run bench -- train` (W2 and W3 of ../shared/BENCH.md), run as
// its own process so that its memory is its own: the same data (bench/fashion.ts), model,
// initialisation rule (PyTorch's default U(-1/sqrt(fanIn), 1/sqrt(fanIn))), SGD with momentum
// (tf.train.momentum updates as PyTorch's SGD does: v = m v + g, w -= lr v) and measurements
// as kiln's. A hand-written loop over variables, as PyTorch's and kiln's, not Layers' fit().
// Images are NHWC, TensorFlow's layout.
// Usage: tsx bench/peers/train_tfjs.ts cpu|wasm w2 EPOCHS | cpu|wasm w3 WARMUP TIMED FULL_EPOCH
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

import { loadFashionMnist, type Split } from '../fashion';
import { emit, parseSpec, peakRssMiB, SEEDS, startTimer, recordSpeed, W2, W3, type TrainResult } from '../train/workloads';

type Forward = (x: tf.Tensor) => tf.Tensor2D;

function uniformVariable(shape: number[], fanIn: number, seed: number): tf.Variable {
  const bound = 1 / Math.sqrt(fanIn);
  return tf.variable(tf.randomUniform(shape, -bound, bound, 'float32', seed));
}

/** Dense layer weights [in, out] and bias, PyTorch's default initialisation. */
function dense(inputs: number, outputs: number, seed: number): [tf.Variable, tf.Variable] {
  return [uniformVariable([inputs, outputs], inputs, seed), uniformVariable([outputs], inputs, seed + 1)];
}

/** Convolution filter [kh, kw, in, out] and bias. */
function conv(kernel: number, inputs: number, outputs: number, seed: number): [tf.Variable, tf.Variable] {
  const fanIn = inputs * kernel * kernel;
  return [uniformVariable([kernel, kernel, inputs, outputs], fanIn, seed), uniformVariable([outputs], fanIn, seed + 1)];
}

function mlp(): { forward: Forward; variables: tf.Variable[] } {
  const variables = [...dense(784, 256, SEEDS.weights), ...dense(256, 128, SEEDS.weights + 2), ...dense(128, 10, SEEDS.weights + 4)];
  const [w1, b1, w2, b2, w3, b3] = variables;
  const forward: Forward = (x) => tf.relu(tf.relu(x.as2D(-1, 784).matMul(w1).add(b1)).matMul(w2).add(b2)).matMul(w3).add(b3) as tf.Tensor2D;
  return { forward, variables };
}

function cnn(): { forward: Forward; variables: tf.Variable[] } {
  const variables = [...conv(5, 1, 16, SEEDS.weights), ...conv(5, 16, 32, SEEDS.weights + 2), ...dense(1568, 128, SEEDS.weights + 4), ...dense(128, 10, SEEDS.weights + 6)];
  const [c1, cb1, c2, cb2, w1, b1, w2, b2] = variables;
  const block = (x: tf.Tensor4D, filter: tf.Variable, bias: tf.Variable): tf.Tensor4D =>
    tf.maxPool(tf.relu(tf.conv2d(x, filter as tf.Tensor4D, 1, 'same').add(bias)) as tf.Tensor4D, 2, 2, 'valid');
  const forward: Forward = (x) => {
    const features = block(block(x.reshape([-1, 28, 28, 1]) as tf.Tensor4D, c1, cb1), c2, cb2);
    return tf.relu(features.reshape([-1, 1568]).matMul(w1).add(b1)).matMul(w2).add(b2) as tf.Tensor2D;
  };
  return { forward, variables };
}

/** A seeded Fisher-Yates shuffle of 0..n-1 (Park-Miller generator). */
function shuffled(n: number, seed: number): Int32Array {
  let state = seed;
  const random = (): number => (state = (state * 48271) % 2147483647) / 2147483647;
  const order = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

/** Trains on batches [first, last) of the shuffled order, gathering each batch's rows. */
function trainBatches(split: Split, order: Int32Array, batchSize: number, first: number, last: number, step: (x: tf.Tensor2D, y: tf.Tensor1D) => void): number {
  const x = new Float32Array(batchSize * 784);
  const y = new Int32Array(batchSize);
  for (let b = first; b < last; b++) {
    for (let i = 0; i < batchSize; i++) {
      const k = order[b * batchSize + i];
      x.set(split.images.subarray(k * 784, (k + 1) * 784), i * 784);
      y[i] = split.labels[k];
    }
    tf.tidy(() => step(tf.tensor2d(x, [batchSize, 784]), tf.tensor1d(y, 'int32')));
  }
  return (last - first) * batchSize;
}

function sgdStep(forward: Forward, variables: tf.Variable[], lr: number, momentum: number): (x: tf.Tensor2D, y: tf.Tensor1D) => void {
  const optimizer = tf.train.momentum(lr, momentum);
  return (x, y) => {
    optimizer.minimize(() => tf.losses.softmaxCrossEntropy(tf.oneHot(y, 10), forward(x)) as tf.Scalar, false, variables);
  };
}

function accuracy(forward: Forward, test: Split): number {
  let correct = 0;
  for (let start = 0; start < test.n; start += 1000) {
    const n = Math.min(1000, test.n - start);
    const predicted = tf.tidy(() => forward(tf.tensor2d(test.images.subarray(start * 784, (start + n) * 784), [n, 784])).argMax(1).dataSync());
    for (let i = 0; i < n; i++) if (predicted[i] === test.labels[start + i]) correct++;
  }
  return correct / test.n;
}

async function main(): Promise<void> {
  const [backend, ...rest] = process.argv.slice(2);
  if (backend !== 'cpu' && backend !== 'wasm') throw new Error(`train_tfjs: backend must be cpu or wasm, not ${backend}`);
  const spec = parseSpec(rest);
  if (!(await tf.setBackend(backend))) throw new Error(`train_tfjs: backend ${backend} failed to initialise`);
  await tf.ready();
  const { train, test } = loadFashionMnist();
  const result: TrainResult = {
    peer: `TensorFlow.js ${tf.version.tfjs} ${backend}`,
    samplesPerSecond: [],
    samplesPerCpuSecond: [],
    accuracy: [],
    accuracyEpochs: [],
    peakRssMiB: 0,
    threads: { backend: tf.getBackend(), wasmSimd: backend === 'wasm' ? String(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) : null },
  };
  const steps = Math.floor(train.n / (spec.workload === 'w2' ? W2.batchSize : W3.batchSize));
  if (spec.workload === 'w2') {
    const { forward, variables } = mlp();
    const step = sgdStep(forward, variables, W2.lr, W2.momentum);
    for (let epoch = 0; epoch < spec.epochs; epoch++) {
      const order = shuffled(train.n, SEEDS.shuffle + epoch);
      const timer = startTimer();
      const samples = trainBatches(train, order, W2.batchSize, 0, steps, step);
      recordSpeed(result, samples, timer);
      result.accuracy.push(accuracy(forward, test));
      result.accuracyEpochs.push(epoch + 1);
    }
  } else {
    const { forward, variables } = cnn();
    const step = sgdStep(forward, variables, W3.lr, W3.momentum);
    const order = shuffled(train.n, SEEDS.shuffle);
    const timedFrom = spec.warmupBatches;
    const timedTo = timedFrom + spec.timedBatches;
    try {
      trainBatches(train, order, W3.batchSize, 0, timedFrom, step);
      const timer = startTimer();
      const samples = trainBatches(train, order, W3.batchSize, timedFrom, timedTo, step);
      recordSpeed(result, samples, timer);
    } catch (err) {
      // The wasm backend ships without Conv2DBackpropFilter: report why, do not fail the run.
      result.unsupported = err instanceof Error ? err.message : String(err);
    }
    if (spec.fullEpoch && !result.unsupported) {
      trainBatches(train, order, W3.batchSize, timedTo, steps, step);
      result.accuracy.push(accuracy(forward, test));
      result.accuracyEpochs.push(1);
    }
  }
  result.peakRssMiB = peakRssMiB();
  emit(result);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
