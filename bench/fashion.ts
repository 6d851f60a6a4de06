// Fashion-MNIST for the benchmarks (Debian's dataset-fashion-mnist), as BENCH.md prepares it:
// pixels / 255, then standardised by the training set's mean and std.
import * as fs from 'fs';
import * as path from 'path';

import { readIdx } from '../lib/data/idx';

export const FASHION_DIR = '/usr/share/datasets/fashion-mnist';

export interface Split {
  images: Float32Array; // n x 784
  labels: Int32Array;
  n: number;
}

/**
 * Both splits, standardised. `allocate` gives the image arrays: a library may hand out its own
 * tensor storage here so that the images are not held twice.
 */
export function loadFashionMnist(dir = FASHION_DIR, allocate = (length: number): Float32Array => new Float32Array(length)): { train: Split; test: Split } {
  const file = (name: string): string => {
    const p = path.join(dir, name);
    if (!fs.existsSync(p)) throw new Error(`${p} not found: apt-get install dataset-fashion-mnist`);
    return p;
  };
  const load = (imagesFile: string, labelsFile: string): Split => {
    const x = readIdx(file(imagesFile));
    const y = readIdx(file(labelsFile));
    // A plain loop: TypedArray.from(typed, fn) would first build a list of 47M JS numbers.
    const images = allocate(x.data.length);
    for (let i = 0; i < images.length; i++) images[i] = x.data[i] / 255;
    return { images, labels: new Int32Array(y.data), n: y.shape[0] };
  };
  const train = load('train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz');
  const test = load('t10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz');
  let sum = 0;
  let sumSq = 0;
  for (const v of train.images) {
    sum += v;
    sumSq += v * v;
  }
  const mean = sum / train.images.length;
  const std = Math.sqrt(sumSq / train.images.length - mean * mean);
  for (const s of [train, test]) for (let i = 0; i < s.images.length; i++) s.images[i] = (s.images[i] - mean) / std;
  return { train, test };
}
