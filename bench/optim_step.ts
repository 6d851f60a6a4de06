// The optimizer classes' own cost on W4's tiny training step (../shared/BENCH.md: Linear(64,
// 64), batch 8, forward, MSE, backward, SGD step, zero grad): the step through optim.SGD
// (zeroGrad dropping gradients, as PyTorch's default, or zero-filling them) beside the same
// step calling the native sgdStep by hand; and one step() alone, SGD with momentum and Adam,
// beside the bare sgdStepMulti / adamStepMulti call on the same arrays. 1 thread, medians.
// Usage: npm run bench -- optim_step [reps]
import * as kiln from '../lib/index';
import { native } from '../lib/native';
import * as optim from '../lib/optim/index';
import { medianMicros, printTable } from './util';

export async function run(args: string[]): Promise<void> {
  const reps = Number(args[0] ?? 7);
  kiln.setNumThreads(1);
  kiln.manualSeed(0);
  const bound = 1 / Math.sqrt(64);
  const w = kiln.rand([64, 64], { low: -bound, high: bound, requiresGrad: true });
  const b = kiln.rand([64], { low: -bound, high: bound, requiresGrad: true });
  const x = kiln.randn([8, 64]);
  const y = kiln.randn([8, 64]);
  const backward = (): void => kiln.scope(() => x.matmul(w.T).add(b).sub(y).square().mean().backward());
  const sgd = new optim.SGD([w, b], { lr: 0.01 });
  const byHand = (): void => {
    backward();
    for (const p of [w, b]) {
      const g = p.grad as kiln.Tensor;
      native.sgdStep(p.values() as Float32Array, g.values() as Float32Array, null, 0.01, 0, 0, 0, false, false, true);
      g.zero_();
    }
  };
  const rows: (string | number)[][] = [];
  const add = (name: string, us: number): void => void rows.push([name, us.toFixed(2)]);
  add('W4 step, native sgdStep by hand', medianMicros(byHand, 500, reps));
  add('W4 step, optim.SGD, zeroGrad()', medianMicros(() => { sgd.zeroGrad(); backward(); sgd.step(); }, 500, reps));
  add('W4 step, optim.SGD, zeroGrad(false)', medianMicros(() => { sgd.zeroGrad(false); backward(); sgd.step(); }, 500, reps));

  // step() alone against the bare group call on the same arrays (gradients fixed).
  backward();
  const arrays = [w, b].map((p) => p.values() as Float32Array);
  const grads = [w, b].map((p) => (p.grad as kiln.Tensor).values() as Float32Array);
  const bufs = [w, b].map((p) => new Float32Array(p.size));
  const m = [w, b].map((p) => new Float32Array(p.size));
  const v = [w, b].map((p) => new Float32Array(p.size));
  const momentum = new optim.SGD([w, b], { lr: 1e-6, momentum: 0.9 });
  const adam = new optim.Adam([w, b], { lr: 1e-6 });
  add('SGD momentum: step()', medianMicros(() => momentum.step(), 5000, reps));
  add('SGD momentum: bare sgdStepMulti', medianMicros(() => native.sgdStepMulti(arrays, grads, bufs, 1e-6, 0.9, 0, 0, false, false, false), 5000, reps));
  add('Adam: step()', medianMicros(() => adam.step(), 5000, reps));
  let t = 0;
  add('Adam: bare adamStepMulti', medianMicros(() => native.adamStepMulti(arrays, grads, m, v, null, 1e-6, 0.9, 0.999, 1e-8, 0, false, false, false, ++t), 5000, reps));
  console.log(`optimizer overhead, Linear(64,64) parameters, 1 thread, median of ${reps}; microseconds per call`);
  printTable(['what', 'us'], rows);
}
