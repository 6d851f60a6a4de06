// What every program of `npm run bench -- train` shares (kiln's in bench/train/kiln.ts, the
// peers' in bench/peers/train_*.{ts,py}): W2 and W3 of ../shared/BENCH.md, how a run is asked
// for on the command line, and the one JSON line each program prints.
import * as fs from 'fs';

/** W2: MLP 784-256-128-10, SGD with momentum, whole shuffled epochs. */
export const W2 = { batchSize: 128, lr: 0.05, momentum: 0.9 } as const;

/** W3: the CNN of BENCH.md, timed over `timedBatches` after `warmupBatches` of the first epoch. */
export const W3 = { batchSize: 64, lr: 0.02, momentum: 0.9, warmupBatches: 20, timedBatches: 300 } as const;

/** The seed of the weights (each library's own generator, so the weights differ) and of the shuffle. */
export const SEEDS = { weights: 0, shuffle: 1 } as const;

/** A run of one workload: W2 for `epochs` whole epochs, or W3's timed batches and optionally the rest of the epoch. */
export type RunSpec =
  | { workload: 'w2'; epochs: number }
  | { workload: 'w3'; warmupBatches: number; timedBatches: number; fullEpoch: boolean };

/** The command-line form of a RunSpec, after the program's first argument (threads or backend). */
export function specArgs(spec: RunSpec): string[] {
  return spec.workload === 'w2' ? ['w2', String(spec.epochs)] : ['w3', String(spec.warmupBatches), String(spec.timedBatches), spec.fullEpoch ? '1' : '0'];
}

/** Parses what specArgs wrote. */
export function parseSpec(args: string[]): RunSpec {
  const [workload, ...rest] = args;
  const n = rest.map(Number);
  if (workload === 'w2' && n.length === 1 && n[0] >= 1) return { workload, epochs: n[0] };
  if (workload === 'w3' && n.length === 3 && n.every((v) => v >= 0)) return { workload, warmupBatches: n[0], timedBatches: n[1], fullEpoch: n[2] === 1 };
  throw new Error(`train bench: bad run arguments ${JSON.stringify(args)} (want "w2 EPOCHS" or "w3 WARMUP TIMED FULL_EPOCH")`);
}

/** What each program prints as one JSON line. */
export interface TrainResult {
  /** Library and version. */
  peer: string;
  /** W2: one figure per epoch; W3: one figure over the timed batches. */
  samplesPerSecond: number[];
  /**
   * The same per second of the process's CPU time (all its threads): on a loaded machine this
   * stays near a 1-thread run's unloaded speed while wall-clock figures fall.
   */
  samplesPerCpuSecond: number[];
  /** Test accuracy after each epoch of accuracyEpochs (empty when the run stopped short of an epoch). */
  accuracy: number[];
  accuracyEpochs: number[];
  /** The process's high-water resident set (VmHWM). */
  peakRssMiB: number;
  /** Thread counts as the library reports them, read back after setting them. */
  threads: Record<string, number | string | null>;
  /** Why a run could not train (e.g. a kernel the backend lacks). */
  unsupported?: string;
}

/** The process's peak resident set in MiB, from /proc/self/status (Linux). */
export function peakRssMiB(): number {
  const line = fs.readFileSync('/proc/self/status', 'utf8').split('\n').find((l) => l.startsWith('VmHWM:'));
  if (!line) throw new Error('peakRssMiB: no VmHWM in /proc/self/status');
  return Number(line.split(/\s+/)[1]) / 1024;
}

/** Prints the result line the orchestrator (bench/train.ts) parses. */
export function emit(result: TrainResult): void {
  console.log(JSON.stringify(result));
}

/** A start of wall-clock and process CPU time. */
export interface Timer {
  wall: bigint;
  cpu: NodeJS.CpuUsage;
}

export function startTimer(): Timer {
  return { wall: process.hrtime.bigint(), cpu: process.cpuUsage() };
}

/** Appends the samples/s (wall and CPU) of `samples` trained since the timer started. */
export function recordSpeed(result: TrainResult, samples: number, timer: Timer): void {
  const cpu = process.cpuUsage(timer.cpu);
  result.samplesPerSecond.push(samples / (Number(process.hrtime.bigint() - timer.wall) / 1e9));
  result.samplesPerCpuSecond.push(samples / ((cpu.user + cpu.system) / 1e6));
}
