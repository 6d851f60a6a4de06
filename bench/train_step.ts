// One W2 step, one W3 step and W4's tiny step (../shared/BENCH.md) split into forward (incl. loss), backward
// and optimizer (step + zeroGrad), through the public API, beside PyTorch's same split
// (bench/peers/train_step_torch.py), at 1 and 2 threads. Random data: the cost of a step
// does not depend on the values. Medians in milliseconds.
// Usage: npm run bench -- train_step [reps]
import { execFileSync } from 'child_process';
import * as path from 'path';

import type * as Kiln from '../lib/index';
import { runPeerLines, torchAvailable } from './peers';
import { median, printTable, root } from './util';

// The package as users load it (dist/, compiled by tsc): under tsx every call pays its shims,
// a third of W4's step.
execFileSync('npm', ['run', 'build:ts'], { cwd: root, stdio: 'ignore' });
const kiln = require(path.join(root, 'dist', 'index.js')) as typeof Kiln;
const { nn, optim } = kiln;

interface Split {
  workload: string;
  threads: number;
  forward: number;
  backward: number;
  optimizer: number;
  total: number;
}

function mlp(): Kiln.nn.Module {
  return new nn.Sequential(new nn.Linear(784, 256), new nn.ReLU(), new nn.Linear(256, 128), new nn.ReLU(), new nn.Linear(128, 10));
}

function cnn(): Kiln.nn.Module {
  return new nn.Sequential(
    new nn.Conv2d(1, 16, 5, { padding: 2 }), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Conv2d(16, 32, 5, { padding: 2 }), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Flatten(), new nn.Linear(1568, 128), new nn.ReLU(), new nn.Linear(128, 10),
  );
}

// W4's step: Linear(64, 64) on a batch of 8, MSE, plain SGD.
function measureTiny(threads: number, reps: number): Split {
  const model = new nn.Linear(64, 64);
  return measure('W4', model, new optim.SGD(model.parameters(), { lr: 0.01 }), kiln.randn([8, 64]), kiln.randn([8, 64]), kiln.mseLoss, threads, reps);
}

function measureClassifier(workload: string, model: Kiln.nn.Module, xShape: number[], lr: number, threads: number, reps: number): Split {
  const opt = new optim.SGD(model.parameters(), { lr, momentum: 0.9 });
  return measure(workload, model, opt, kiln.randn(xShape), kiln.randint(0, 10, [xShape[0]]), kiln.crossEntropy, threads, reps);
}

function measure(
  workload: string,
  model: Kiln.nn.Module,
  opt: Kiln.optim.Optimizer,
  x: Kiln.Tensor,
  y: Kiln.Tensor,
  lossFn: (out: Kiln.Tensor, target: Kiln.Tensor) => Kiln.Tensor,
  threads: number,
  reps: number,
): Split {
  kiln.setNumThreads(threads);
  const f: number[] = [], b: number[] = [], o: number[] = [];
  // Tiny steps need hundreds of calls before the JIT has compiled their paths.
  const warmup = Math.max(5, Math.floor(reps / 4));
  const now = (): number => Number(process.hrtime.bigint()) / 1e6;
  for (let i = 0; i < reps + warmup; i++) {
    kiln.scope(() => {
      const t0 = now();
      const loss = lossFn(model.forward(x), y);
      const t1 = now();
      loss.backward();
      const t2 = now();
      opt.step();
      opt.zeroGrad();
      const t3 = now();
      if (i >= warmup) {
        f.push(t1 - t0); b.push(t2 - t1); o.push(t3 - t2);
      }
    });
  }
  const [forward, backward, optimizer] = [median(f), median(b), median(o)];
  // The sum of the phases' medians: on shared cores a preempted step inflates one phase, and the
  // median of whole steps would count every step that lost a time slice anywhere.
  return { workload, threads, forward, backward, optimizer, total: forward + backward + optimizer };
}

const fmtMs = (ms: number): string => (ms < 0.1 ? `${(ms * 1e3).toFixed(1)}us` : ms.toFixed(3));

export async function run(args: string[]): Promise<void> {
  const reps = Number(args[0] ?? 50);
  const rows: (string | number)[][] = [];
  const torch = torchAvailable();
  for (const threads of [1, 2]) {
    kiln.manualSeed(0);
    const ours = [
      measureClassifier('W2', mlp(), [128, 784], 0.05, threads, reps),
      measureClassifier('W3', cnn(), [64, 1, 28, 28], 0.02, threads, Math.max(5, Math.floor(reps / 5))),
      measureTiny(threads, reps * 20),
    ];
    const peer = torch ? runPeerLines<Split>('train_step_torch.py', [threads, reps]) : [];
    for (const s of ours) {
      const p = peer.find((q) => q.workload === s.workload);
      const fmt = (k: keyof Split): string => `${fmtMs(s[k] as number)}${p ? ` / ${fmtMs(p[k] as number)}` : ''}`;
      rows.push([s.workload, threads, fmt('forward'), fmt('backward'), fmt('optimizer'), fmt('total'), p ? (p.total / s.total).toFixed(2) : '-']);
    }
  }
  printTable(['workload', 'threads', 'forward ms kiln / torch', 'backward', 'optimizer', 'total', 'speed vs torch'], rows);
}
