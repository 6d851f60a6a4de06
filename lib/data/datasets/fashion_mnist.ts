// Fashion-MNIST from its IDX files (Debian's dataset-fashion-mnist installs them gzipped).
import * as fs from 'fs';
import * as path from 'path';

import { tensor } from '../../tensor/creation';
import { TensorDataset } from '../dataset';
import { readIdx } from '../idx';
import { imageShape, type ImageOptions, type ImageSplits } from './split';

/** Where Debian's dataset-fashion-mnist puts the files (`dpkg -L dataset-fashion-mnist`). */
export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

const FILES = {
  train: ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte'],
  test: ['t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'],
} as const;

/** `name.gz` or `name` in dir, whichever exists. */
function findFile(dir: string, name: string): string {
  const candidates = [path.join(dir, `${name}.gz`), path.join(dir, name)];
  const found = candidates.find((p) => fs.existsSync(p));
  if (found === undefined) {
    throw new Error(`fashionMnist: neither ${candidates.join(' nor ')} exists; install Debian's dataset-fashion-mnist (apt-get install dataset-fashion-mnist) or pass the directory holding the IDX files`);
  }
  return found;
}

function load(dir: string, [imagesName, labelsName]: readonly [string, string], options: ImageOptions): TensorDataset {
  const imagesFile = findFile(dir, imagesName);
  const labelsFile = findFile(dir, labelsName);
  const x = readIdx(imagesFile);
  const y = readIdx(labelsFile);
  if (x.shape.length !== 3 || x.shape[1] !== 28 || x.shape[2] !== 28) throw new Error(`fashionMnist: ${imagesFile} has shape [${x.shape.join(',')}], expected [N,28,28]`);
  if (y.shape.length !== 1 || y.shape[0] !== x.shape[0]) throw new Error(`fashionMnist: ${labelsFile} has shape [${y.shape.join(',')}], expected [${x.shape[0]}]`);
  // A plain loop: Float32Array.from(typed, fn) would first build a list of JS numbers.
  const images = new Float32Array(x.data.length);
  for (let i = 0; i < images.length; i++) images[i] = x.data[i] / 255;
  return new TensorDataset(tensor(images, { shape: imageShape(x.shape[0], options) }), tensor(Int32Array.from(y.data)));
}

/**
 * Fashion-MNIST's 60,000 training and 10,000 test images as `{ train, test }` TensorDatasets
 * of (image, label): pixels / 255 as float32, [N, 1, 28, 28] (or [N, 784] with `flatten`),
 * labels int32 0-9. `dir` holds the four IDX files, gzipped or not.
 */
export function fashionMnist(dir: string = FASHION_MNIST_DIR, options: ImageOptions = {}): ImageSplits {
  if (typeof dir !== 'string' || dir.length === 0) throw new TypeError(`fashionMnist: dir must be a path, got ${String(dir)}`);
  return { train: load(dir, FILES.train, options), test: load(dir, FILES.test, options) };
}
