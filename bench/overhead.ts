// W4 (../shared/BENCH.md): per-op overhead. An add of two 1-element tensors, of two
// 1000-element tensors, and one whole training step of Linear(64, 64) on a batch of 8
// (forward, MSE, backward, SGD step, zero grad) written with plain tensors ("step") and with
// nn.Linear, mseLoss and optim.SGD ("stepModule", as the peer is written), beside PyTorch
// measured in the same run (alternating), at 1 thread: tiny work never benefits from more.
// It times the built package (dist/, as users load it), not the TypeScript sources through
// tsx, whose module shims add their own cost to every call.
import type * as Kiln from '../lib/index';
import type { NativeAddon } from '../lib/native';
import { runPeer, torchAvailable } from './peers';
import { buildPackage, median, medianMicros, printTable, requireBuilt } from './util';

function loadBuilt(): { kiln: typeof Kiln; native: NativeAddon } {
  buildPackage();
  return { kiln: requireBuilt<typeof Kiln>('index.js'), native: requireBuilt<{ native: NativeAddon }>('native.js').native };
}

interface Figures {
  add1: number;
  add1Scope: number;
  add1000: number;
  step: number;
  stepModule: number;
}

function measureKiln(kiln: typeof Kiln, native: NativeAddon, reps: number): Figures {
  kiln.manualSeed(0);
  const a1 = kiln.rand([1]);
  const b1 = kiln.rand([1]);
  const a1k = kiln.rand([1000]);
  const b1k = kiln.rand([1000]);
  const bound = 1 / Math.sqrt(64);
  const w = kiln.rand([64, 64], { low: -bound, high: bound, requiresGrad: true });
  const b = kiln.rand([64], { low: -bound, high: bound, requiresGrad: true });
  const x = kiln.randn([8, 64]);
  const y = kiln.randn([8, 64]);
  const step = (): void => {
    kiln.scope(() => {
      const loss = x.matmul(w.T).add(b).sub(y).square().mean();
      loss.backward();
    });
    for (const p of [w, b]) {
      const g = p.grad as Kiln.Tensor;
      native.sgdStep(p.data() as Float32Array, g.data() as Float32Array, null, 0.01, 0, 0, 0, false, false, true);
      g.zero_();
    }
  };
  // The same step as a user writes it with the training API (PyTorch's peer is written so).
  const layer = new kiln.nn.Linear(64, 64);
  const optimizer = new kiln.optim.SGD(layer.parameters(), { lr: 0.01 });
  const stepModule = (): void => {
    kiln.scope(() => kiln.mseLoss(layer.forward(x), y).backward());
    optimizer.step();
    optimizer.zeroGrad();
  };
  return {
    // dispose() frees the result at once, as PyTorch's reference count does.
    add1: medianMicros(() => a1.add(b1).dispose(), 2000, reps),
    add1Scope: medianMicros(() => kiln.scope(() => a1.add(b1)).dispose(), 2000, reps),
    add1000: medianMicros(() => a1k.add(b1k).dispose(), 2000, reps),
    step: medianMicros(step, 200, reps),
    stepModule: medianMicros(stepModule, 200, reps),
  };
}

export async function run(args: string[]): Promise<void> {
  const rounds = Number(args[0] ?? 5);
  const reps = 7;
  const { kiln, native } = loadBuilt();
  kiln.setNumThreads(1);
  const withTorch = torchAvailable();
  const ours: Figures[] = [];
  const theirs: Figures[] = [];
  for (let r = 0; r < rounds; r++) {
    ours.push(measureKiln(kiln, native, reps));
    if (withTorch) theirs.push(runPeer<Figures>('overhead_torch.py', [1, reps]));
  }
  const pick = (fs: Figures[], k: keyof Figures): number => median(fs.map((f) => f[k]));
  const peerKey = (k: keyof Figures): keyof Figures => (k === 'add1Scope' ? 'add1' : k === 'stepModule' ? 'step' : k);
  const rows = (['add1', 'add1Scope', 'add1000', 'step', 'stepModule'] as const).map((k) => {
    const kv = pick(ours, k);
    if (!withTorch) return [k, kv.toFixed(2), '-', '-'];
    const tv = pick(theirs, peerKey(k));
    return [k, kv.toFixed(2), tv.toFixed(2), (kv / tv).toFixed(2)];
  });
  console.log(`W4 per-op overhead, us per call, 1 thread, median of ${rounds} alternating rounds${withTorch ? '' : ' (python3-torch not installed: no peer)'}`);
  printTable(['case', 'kiln', 'PyTorch', 'kiln/PyTorch'], rows);
}
