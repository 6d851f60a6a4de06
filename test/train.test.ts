// kiln's fit loop, evaluation, metrics and progress line, on a model and an optimizer written
// here from plain tensors (fit only needs their shapes: forward/train/eval, step/zeroGrad).
import { Writable } from 'stream';

import { describe, expect, it } from 'vitest';

import * as kiln from '../lib/index';

/** Softmax regression: logits = x W^T + b; records the modes it was switched to. */
class Linear {
  training = true;
  modes: boolean[] = [];
  readonly weight: kiln.Tensor;
  readonly bias: kiln.Tensor;

  constructor(inputs: number, classes: number) {
    this.weight = kiln.randn([classes, inputs], { std: 0.1, generator: new kiln.Generator(1), requiresGrad: true }).keep();
    this.bias = kiln.zeros([classes], { requiresGrad: true }).keep();
  }

  forward(x: kiln.Tensor): kiln.Tensor {
    return x.matmul(this.weight.T).add(this.bias);
  }

  train(mode = true): this {
    this.training = mode;
    this.modes.push(mode);
    return this;
  }

  eval(): this {
    return this.train(false);
  }
}

/** Plain SGD through in-place updates; counts its steps. */
class Sgd {
  steps = 0;
  paramGroups: { lr: number }[];

  constructor(
    private readonly params: kiln.Tensor[],
    lr: number,
  ) {
    this.paramGroups = [{ lr }];
  }

  step(): void {
    this.steps++;
    kiln.noGrad(() => {
      for (const p of this.params) p.sub_((p.grad as kiln.Tensor).mul(this.paramGroups[0].lr));
    });
  }

  zeroGrad(): void {
    for (const p of this.params) {
      p.grad?.dispose();
      p.grad = null;
    }
  }
}

/** Three Gaussian blobs in 2-D, labels 0..2. */
function blobs(n: number, seed: number): kiln.data.TensorDataset {
  const g = new kiln.Generator(seed);
  const labels = kiln.randint(0, 3, [n], { generator: g });
  const centers = kiln.tensor([[2, 0], [-2, 2], [-2, -2]]);
  const x = kiln.randn([n, 2], { std: 0.6, generator: g }).add(centers.indexSelect(0, labels));
  return new kiln.data.TensorDataset(x, labels);
}

const silent = (): kiln.ProgressOptions & { text: () => string } => {
  let text = '';
  const stream = new Writable({
    write(chunk, _encoding, done) {
      text += String(chunk);
      done();
    },
  });
  return { stream, text: () => text };
};

describe('fit', () => {
  it('takes the same steps as the hand-written loop, and learns', async () => {
    const train = blobs(300, 1);
    const make = (): [Linear, Sgd] => {
      const m = new Linear(2, 3);
      return [m, new Sgd([m.weight, m.bias], 0.1)];
    };
    const [model, optimizer] = make();
    const history = await fit(model, optimizer, new kiln.data.DataLoader(train, { batchSize: 32, shuffle: true, seed: 5 }), { epochs: 3 });

    // The same three epochs by hand, from the same initial weights and the same batch orders.
    const [reference, refOptimizer] = make();
    const loader = new kiln.data.DataLoader(train, { batchSize: 32, shuffle: true, seed: 5 });
    const losses: number[] = [];
    for (let e = 0; e < 3; e++) {
      let sum = 0;
      for (const [x, y] of loader) {
        refOptimizer.zeroGrad();
        const loss = kiln.crossEntropy(reference.forward(x), y);
        loss.backward();
        refOptimizer.step();
        sum += loss.item() * x.shape[0];
      }
      losses.push(sum / train.length);
    }
    expect(Array.from(model.weight.values())).toEqual(Array.from(reference.weight.values()));
    expect(Array.from(model.bias.values())).toEqual(Array.from(reference.bias.values()));
    expect(optimizer.steps).toBe(3 * 10);
    history.forEach((log, i) => expect(log.trainLoss).toBeCloseTo(losses[i], 5));
    expect(history.map((h) => [h.epoch, h.epochs])).toEqual([[1, 3], [2, 3], [3, 3]]);
    expect(history[2].trainLoss).toBeLessThan(history[0].trainLoss);
    expect(history[2].trainAccuracy).toBeGreaterThan(0.9);
    expect(history[0].lr).toBe(0.1);
    expect(history[0].samplesPerSecond).toBeGreaterThan(0);
  });

  it('validates in eval mode without recording a graph, and restores the mode after', async () => {
    const model = new Linear(2, 3);
    const optimizer = new Sgd([model.weight, model.bias], 0.1);
    const val = blobs(100, 2);
    const history = await fit(model, optimizer, new kiln.data.DataLoader(blobs(200, 3), { batchSize: 50 }), {
      epochs: 2,
      validation: new kiln.data.DataLoader(val, { batchSize: 64 }),
    });
    expect(model.modes).toEqual([true, false, true, true, false, true, true]);
    optimizer.zeroGrad();
    const direct = await kiln.evaluate(model, new kiln.data.DataLoader(val, { batchSize: 100 }));
    expect(history[1].valLoss).toBeCloseTo(direct.loss, 5);
    expect(history[1].valAccuracy).toBe(direct.accuracy);
    expect(direct.samples).toBe(100);
    // By hand: mean cross-entropy and the argmax accuracy over all 100 samples at once.
    const [x, y] = val.tensors;
    const logits = model.forward(x);
    expect(direct.loss).toBeCloseTo(kiln.crossEntropy(logits, y).item(), 5);
    expect(direct.accuracy).toBe(kiln.countCorrect(logits, y)! / 100);
    expect(model.weight.grad).toBeNull();
  });

  it('steps the scheduler per epoch or per batch, with the monitored metric when asked', async () => {
    const calls: (number | undefined)[] = [];
    const scheduler = { step: (metric?: number) => void calls.push(metric) };
    const make = (): [Linear, Sgd] => {
      const m = new Linear(2, 3);
      return [m, new Sgd([m.weight, m.bias], 0.05)];
    };
    const loader = new kiln.data.DataLoader(blobs(40, 4), { batchSize: 10 });
    await fit(...make(), loader, { epochs: 2, scheduler });
    expect(calls).toEqual([undefined, undefined]);
    calls.length = 0;
    await fit(...make(), loader, { epochs: 2, scheduler, schedulerStep: 'batch' });
    expect(calls).toEqual(new Array(8).fill(undefined));
    calls.length = 0;
    const history = await fit(...make(), loader, { epochs: 2, scheduler, schedulerMetric: 'valLoss', validation: loader });
    expect(calls).toEqual(history.map((h) => h.valLoss));
  });

  it('stops when onEpoch returns false, and reports the lr the schedule set', async () => {
    const model = new Linear(2, 3);
    const optimizer = new Sgd([model.weight, model.bias], 0.1);
    const scheduler = { step: () => void (optimizer.paramGroups[0].lr /= 2) };
    const seen: number[] = [];
    const history = await fit(model, optimizer, new kiln.data.DataLoader(blobs(20, 5), { batchSize: 10 }), {
      epochs: 10,
      scheduler,
      onEpoch: async (log) => {
        seen.push(log.epoch);
        return log.epoch < 3;
      },
    });
    expect(seen).toEqual([1, 2, 3]);
    expect(history.map((h) => h.lr)).toEqual([0.05, 0.025, 0.0125]);
  });

  it('frees every step\'s temporaries: tensors stay flat across epochs', async () => {
    const model = new Linear(2, 3);
    const optimizer = new Sgd([model.weight, model.bias], 0.1);
    const loader = new kiln.data.DataLoader(blobs(256, 6), { batchSize: 16, shuffle: true, seed: 1 });
    const counts: number[] = [];
    await fit(model, optimizer, loader, { epochs: 4, onEpoch: () => void counts.push(kiln.memory().tensors) });
    // A leak would add tensors every step (16 a epoch); finalizers freeing other tests'
    // tensors may lower the count, so it must only never rise.
    for (let e = 2; e < counts.length; e++) expect(counts[e]).toBeLessThanOrEqual(counts[e - 1]);
  });

  it('rejects bad arguments and a diverging loss with clear messages', async () => {
    const model = new Linear(2, 3);
    const optimizer = new Sgd([model.weight, model.bias], 0.1);
    const loader = new kiln.data.DataLoader(blobs(20, 7), { batchSize: 10 });
    await expect(fit(model, optimizer, loader, { epochs: 0 })).rejects.toThrow(/fit: epochs must be a positive integer, got 0/);
    await expect(fit({} as never, optimizer, loader)).rejects.toThrow(/fit: model must be an nn.Module/);
    await expect(fit(model, {} as never, loader)).rejects.toThrow(/fit: optimizer must be an optim.Optimizer/);
    await expect(fit(model, optimizer, 5 as never)).rejects.toThrow(/fit: loader must be a DataLoader or an iterable/);
    await expect(fit(model, optimizer, [[kiln.zeros([2, 2])]])).rejects.toThrow(/fit: each batch must be \[input, target, ...\], got 1 tensor\(s\)/);
    await expect(fit(model, optimizer, loader, { schedulerMetric: 'valLoss' })).rejects.toThrow(/fit: schedulerMetric 'valLoss' needs a validation loader/);
    await expect(fit(model, optimizer, loader, { lossFn: (out) => out.sum().mul(NaN) })).rejects.toThrow(/fit: the loss became NaN at epoch 1, step 1/);
  });

  it('takes plain arrays of batches and non-classification losses (accuracy null)', async () => {
    const w = kiln.zeros([1, 1], { requiresGrad: true }).keep();
    const model = { training: true, forward: (x: kiln.Tensor) => x.matmul(w), train: () => undefined, eval: () => undefined };
    const x = kiln.tensor([[1], [2], [3]]);
    const y = kiln.tensor([[2], [4], [6]]);
    const history = await fit(model, new Sgd([w], 0.05), [[x, y]], { epochs: 30, lossFn: (out, target) => out.sub(target).square().mean() });
    expect(history[29].trainAccuracy).toBeNull();
    expect(w.item()).toBeCloseTo(2, 2);
  });
});

describe('progress line', () => {
  const train = async (progress: kiln.ProgressOptions): Promise<void> => {
    const model = new Linear(2, 3);
    await fit(model, new Sgd([model.weight, model.bias], 0.1), new kiln.data.DataLoader(blobs(60, 8), { batchSize: 10 }), { epochs: 1, progress });
  };

  it('redraws one line on a terminal and erases it at the end', async () => {
    const out = silent();
    await train({ stream: out.stream, tty: true, interval: 0 });
    const text = out.text();
    expect(text).not.toContain('\n');
    expect(text).toMatch(/^\repoch 1\/1 \[====>\s+\] 1\/6 0:00<0:00 loss \d\.\d{4} acc \d+\.\d\d%\x1b\[K/);
    expect(text).toContain('[========================] 6/6');
    expect(text.endsWith('\r\x1b[K')).toBe(true);
  });

  it('narrows the bar, never the numbers, to fit the terminal', async () => {
    for (const columns of [64, 48]) {
      const out = silent();
      Object.assign(out.stream as object, { columns });
      await train({ stream: out.stream, tty: true, interval: 0 });
      const lines = out.text().split('\r').map((l) => l.replace('\x1b[K', '')).filter((l) => l !== '');
      expect(lines).toHaveLength(6);
      for (const line of lines) {
        expect(line.length).toBeLessThan(columns);
        expect(line).toMatch(/ \d\/6 0:00<0:00 loss \d\.\d{4} acc \d+\.\d\d%$/);
      }
      // 48 columns leave no room for a bar.
      expect(lines[0].includes('[')).toBe(columns === 64);
    }
  });

  it('prints plain lines elsewhere, skipping the first interval', async () => {
    const out = silent();
    await train({ stream: out.stream, tty: false, interval: 0 });
    const lines = out.text().split('\n').filter((l) => l !== '');
    expect(lines).toHaveLength(5);
    expect(lines[0]).toMatch(/^epoch 1\/1: 2\/6 \(33%\) 0:00<0:00 loss \d\.\d{4} acc \d+\.\d\d%$/);
    expect(out.text()).not.toMatch(/[\r\x1b]/);
  });

  it('formats epoch summaries', () => {
    expect(kiln.formatEpoch({ epoch: 3, epochs: 10, trainLoss: 0.12345, trainAccuracy: 0.961, valLoss: 0.2, valAccuracy: 0.95, lr: 0.05, seconds: 4.21, samplesPerSecond: 1900.4 })).toBe(
      'epoch  3/10  train loss 0.1235 acc 96.10%  val loss 0.2000 acc 95.00%  lr 0.0500  (4.2 s, 1900 samples/s)',
    );
  });
});

const { fit } = kiln;
