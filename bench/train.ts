// W2 and W3 (../shared/BENCH.md) trained end to end: kiln's training API (bench/train/kiln.ts)
// beside PyTorch (bench/peers/train_torch.py) and TensorFlow.js's CPU and wasm backends
// (bench/peers/train_tfjs.ts), on the same data, hyperparameters and thread counts, in the same
// run. samples/s are wall-clock; samples per CPU-second (all the process's threads) are beside
// them because the machines are shared: under load they hold while wall-clock figures fall.
// Every program runs in a process of its own (its peak RSS is its own); kiln and PyTorch
// alternate at 1 and 2 threads, and each ratio is to a peer's best thread count.
// Usage: npm run bench -- train [w2 [EPOCHS] | w3 [TIMED_BATCHES]]
//   (default: both, W2 over 5 epochs, W3 timed over 300 batches and trained to the end of the
//   epoch for its accuracy; a shorter W3 run stops after its timed batches.)
import { runNodeLines, runPeerLines, torchAvailable } from './peers';
import { specArgs, W3, type RunSpec, type TrainResult } from './train/workloads';
import { buildPackage, median, printTable } from './util';

interface Program {
  name: string;
  config: string;
  /** What this program can run of the spec, and why it runs less (a slow or incapable peer). */
  adapt(spec: RunSpec): { spec: RunSpec; note?: string };
  run(spec: RunSpec): TrainResult;
}

interface Row {
  program: Program;
  result?: TrainResult;
  note?: string;
}

/**
 * Runs at more than one thread measure speed only: one W2 epoch, W3's timed batches (the
 * accuracy is the 1-thread run's; PyTorch at 2 threads on these 2 shared cores can take many
 * minutes an epoch).
 */
function adaptThreads(threads: number): Program['adapt'] {
  return (spec) => {
    if (threads === 1) return { spec };
    if (spec.workload === 'w2') return spec.epochs > 1 ? { spec: { workload: 'w2', epochs: 1 }, note: 'speed only: one epoch' } : { spec };
    return spec.fullEpoch ? { spec: { ...spec, fullEpoch: false }, note: 'speed only: timed batches' } : { spec };
  };
}

function kiln(threads: number): Program {
  return { name: 'kiln', config: `${threads}t`, adapt: adaptThreads(threads), run: (spec) => last(runNodeLines<TrainResult>('train/kiln.ts', [threads, ...specArgs(spec)])) };
}

function torch(threads: number): Program {
  return { name: 'PyTorch', config: `${threads}t`, adapt: adaptThreads(threads), run: (spec) => last(runPeerLines<TrainResult>('train_torch.py', [threads, ...specArgs(spec)])) };
}

function tfjs(backend: 'cpu' | 'wasm'): Program {
  return {
    name: `tfjs-${backend}`,
    config: '1t',
    // The CPU backend is slow: its convolution gradients take about a minute of CPU a batch of
    // 64, and an epoch of W2 several minutes.
    adapt: (spec) => {
      if (backend !== 'cpu') return { spec };
      if (spec.workload === 'w3') return { spec: { workload: 'w3', warmupBatches: 0, timedBatches: 1, fullEpoch: false }, note: 'one batch only, no warm-up (~1 CPU-min a batch)' };
      return spec.epochs > 1 ? { spec: { workload: 'w2', epochs: 1 }, note: 'one epoch only (minutes an epoch)' } : { spec };
    },
    run: (spec) => last(runNodeLines<TrainResult>('peers/train_tfjs.ts', [backend, ...specArgs(spec)])),
  };
}

function last<T>(lines: T[]): T {
  if (lines.length === 0) throw new Error('train bench: the program printed no result line');
  return lines[lines.length - 1];
}

function measure(program: Program, requested: RunSpec): Row {
  const { spec, note } = program.adapt(requested);
  process.stderr.write(`  ${program.name} ${program.config} ${specArgs(spec).join(' ')}\n`);
  try {
    const result = program.run(spec);
    return { program, result, note: result.unsupported ? `n/a: ${result.unsupported}` : note };
  } catch (err) {
    const message = (err as { stderr?: string }).stderr || String(err);
    return { program, note: `failed: ${message.trim().split('\n').slice(-1)[0]}` };
  }
}

type Clock = 'samplesPerSecond' | 'samplesPerCpuSecond';

const speed = (r: Row, clock: Clock = 'samplesPerSecond'): number => (r.result && r.result[clock].length > 0 ? median(r.result[clock]) : NaN);

/** Each program's row with the most samples/s: a peer is compared at its best thread count. */
function best(rows: Row[], name: string, clock: Clock = 'samplesPerSecond'): Row | undefined {
  return rows.filter((r) => r.program.name === name && !Number.isNaN(speed(r, clock))).sort((a, b) => speed(b, clock) - speed(a, clock))[0];
}

/** kiln's best over this row's, on the given clock ('-' where either is missing). */
function ratio(rows: Row[], r: Row, clock: Clock): string {
  const kilnBest = best(rows, 'kiln', clock);
  return kilnBest && !Number.isNaN(speed(r, clock)) ? (speed(kilnBest, clock) / speed(r, clock)).toFixed(2) : '-';
}

function accuracyAfter(r: Row, epoch: number): number | undefined {
  const i = r.result?.accuracyEpochs.indexOf(epoch) ?? -1;
  return i >= 0 ? r.result?.accuracy[i] : undefined;
}

function report(title: string, rows: Row[], accuracyEpochs: number[]): void {
  const kilnBest = best(rows, 'kiln');
  const percent = (v: number | undefined): string => (v === undefined ? '-' : (100 * v).toFixed(2));
  const figure = (v: number): string => (Number.isNaN(v) ? 'n/a' : v.toFixed(1));
  console.log(`\n${title}`);
  printTable(
    ['program', 'threads', 'samples/s', 'kiln best / this', 'samples/CPU-s', 'kiln best / this (CPU)', ...accuracyEpochs.map((e) => `acc ${e} ep %`), 'peak RSS MiB', 'note'],
    rows.map((r) => [
      r.program.name,
      r.program.config,
      figure(speed(r)),
      ratio(rows, r, 'samplesPerSecond'),
      figure(speed(r, 'samplesPerCpuSecond')),
      ratio(rows, r, 'samplesPerCpuSecond'),
      ...accuracyEpochs.map((e) => percent(accuracyAfter(r, e))),
      r.result ? r.result.peakRssMiB.toFixed(0) : '-',
      r.note ?? '',
    ]),
  );
  const torchBest = best(rows, 'PyTorch');
  if (!kilnBest || !torchBest) return;
  const lastEpoch = accuracyEpochs[accuracyEpochs.length - 1];
  const kilnAcc = lastEpoch === undefined ? undefined : accuracyAfter(kilnBest, lastEpoch);
  const torchAcc = lastEpoch === undefined ? undefined : accuracyAfter(torchBest, lastEpoch);
  const accuracyGap = kilnAcc !== undefined && torchAcc !== undefined ? `, accuracy after ${lastEpoch} epoch(s) ${(100 * (kilnAcc - torchAcc)).toFixed(2)} points` : '';
  const cpuRatio = speed(best(rows, 'kiln', 'samplesPerCpuSecond') ?? kilnBest, 'samplesPerCpuSecond') / speed(best(rows, 'PyTorch', 'samplesPerCpuSecond') ?? torchBest, 'samplesPerCpuSecond');
  console.log(
    `kiln best (${kilnBest.program.config}) / PyTorch best (${torchBest.program.config}): ${(speed(kilnBest) / speed(torchBest)).toFixed(2)}x samples/s (per CPU-second: ${cpuRatio.toFixed(2)}x)${accuracyGap}, peak RSS ${(kilnBest.result?.peakRssMiB ?? 0).toFixed(0)} vs ${(torchBest.result?.peakRssMiB ?? 0).toFixed(0)} MiB`,
  );
}

function parseArgs(args: string[]): RunSpec[] {
  const [workload, count] = args;
  const n = count === undefined ? undefined : Number(count);
  if (n !== undefined && !(Number.isInteger(n) && n >= 1)) throw new Error(`train bench: the count must be a positive integer, not ${count}`);
  const w2: RunSpec = { workload: 'w2', epochs: n ?? 5 };
  const w3: RunSpec = { workload: 'w3', warmupBatches: W3.warmupBatches, timedBatches: n ?? W3.timedBatches, fullEpoch: n === undefined };
  if (workload === undefined) return [w2, w3];
  if (workload === 'w2') return [w2];
  if (workload === 'w3') return [w3];
  throw new Error(`train bench: unknown workload ${workload} (usage: train [w2 [EPOCHS] | w3 [TIMED_BATCHES]])`);
}

export async function run(args: string[]): Promise<void> {
  const specs = parseArgs(args);
  buildPackage();
  const withTorch = torchAvailable();
  // kiln and PyTorch alternate, so that a change in the machine's load touches both.
  const programs = [kiln(1), ...(withTorch ? [torch(1)] : []), kiln(2), ...(withTorch ? [torch(2)] : []), tfjs('wasm'), tfjs('cpu')];
  console.log('Fashion-MNIST (Debian dataset-fashion-mnist), the same preparation, model and hyperparameters in every program');
  if (!withTorch) console.log('python3-torch is not installed: no PyTorch rows');
  for (const spec of specs) {
    process.stderr.write(`${specArgs(spec).join(' ')}:\n`);
    const rows = programs.map((p) => measure(p, spec));
    if (spec.workload === 'w2') {
      const epochs = [...new Set([1, spec.epochs])];
      report(`W2 MLP 784-256-128-10, batch 128, SGD lr 0.05 momentum 0.9, ${spec.epochs} epoch(s); samples/s is the median over epochs`, rows, epochs);
    } else {
      const epochNote = spec.fullEpoch ? 'then the rest of the epoch for the test accuracy' : 'no accuracy (a short run)';
      report(`W3 CNN, batch 64, SGD lr 0.02 momentum 0.9; samples/s over ${spec.timedBatches} batches after ${spec.warmupBatches} warm-up, ${epochNote}`, rows, spec.fullEpoch ? [1] : []);
    }
  }
}
