// Forward + backward of every loss at a W2-sized batch ([128, 10]) and a large one, beside
// PyTorch (bench/peers/losses_torch.py) at 1 thread: whether the composed losses (docs/losses.md)
// cost much more than PyTorch's fused kernels. Runs the TypeScript sources through tsx, whose
// module shims add a little to every call (it shows at the small size).
import * as kiln from '../lib/index';
import type { Tensor } from '../lib/index';
import { runPeerLines, torchAvailable } from './peers';
import { median, medianMicros, printTable } from './util';

interface Row {
  loss: string;
  n: number;
  c: number;
  us: number;
}

function measureKiln(n: number, c: number, reps: number): Row[] {
  kiln.manualSeed(0);
  const x = kiln.randn([n, c], { requiresGrad: true });
  const y = kiln.randint(0, c, [n]);
  const t = kiln.rand([n, c]);
  const logp = kiln.logSoftmax(kiln.randn([n, c]), 1).requiresGrad_();
  const p = kiln.sigmoid(kiln.randn([n, c])).requiresGrad_();
  const cases: [string, () => Tensor][] = [
    ['crossEntropy', () => kiln.crossEntropy(x, y)],
    ['crossEntropy probs', () => kiln.crossEntropy(x, t)],
    ['nllLoss', () => kiln.nllLoss(logp, y)],
    ['multiMarginLoss', () => kiln.multiMarginLoss(x, y)],
    ['mseLoss', () => kiln.mseLoss(x, t)],
    ['l1Loss', () => kiln.l1Loss(x, t)],
    ['huberLoss', () => kiln.huberLoss(x, t)],
    ['bceLoss', () => kiln.bceLoss(p, t)],
    ['bceWithLogitsLoss', () => kiln.bceWithLogitsLoss(x, t)],
  ];
  const inner = Math.max(1, Math.floor(200000 / (n * c)));
  return cases.map(([loss, f]) => ({ loss, n, c, us: medianMicros(() => kiln.scope(() => f().backward()), inner, reps) }));
}

export async function run(args: string[]): Promise<void> {
  const rounds = Number(args[0] ?? 3);
  const reps = 5;
  const sizes: [number, number][] = [[128, 10], [1024, 1000]];
  kiln.setNumThreads(1);
  const withTorch = torchAvailable();
  const ours: Row[] = [];
  const theirs: Row[] = [];
  for (let r = 0; r < rounds; r++) {
    for (const [n, c] of sizes) ours.push(...measureKiln(n, c, reps));
    if (withTorch) theirs.push(...runPeerLines<Row>('losses_torch.py', [reps, ...sizes.map((s) => s.join(','))]));
  }
  const pick = (rows: Row[], r: Row): number => median(rows.filter((o) => o.loss === r.loss && o.n === r.n && o.c === r.c).map((o) => o.us));
  const table = ours.slice(0, ours.length / rounds).map((r) => {
    const kv = pick(ours, r);
    const tv = withTorch ? pick(theirs, r) : NaN;
    return [r.loss, `[${r.n},${r.c}]`, kv.toFixed(1), withTorch ? tv.toFixed(1) : '-', withTorch ? (kv / tv).toFixed(2) : '-'];
  });
  console.log(`losses, forward + backward, us per call, 1 thread, median of ${rounds} alternating rounds${withTorch ? '' : ' (python3-torch not installed: no peer)'}`);
  printTable(['loss', 'shape', 'kiln', 'PyTorch', 'kiln/PyTorch'], table);
}
