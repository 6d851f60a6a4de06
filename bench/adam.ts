// W5 of BENCH.md: one fp32 Adam step over 1e6 and 1e7 parameters, ms/step and GB/s at 28
// bytes per parameter, against a STREAM-like triad measured in the same native run, at 1 and
// 2 threads; the bar is >= 80% of the triad's bandwidth. Also the same step through the JS
// binding, to show the binding adds nothing measurable.
import { execFileSync } from 'child_process';

import { native } from '../lib/native';
import { buildNativeBench, medianSeconds, printTable } from './util';

interface Line {
  kind: 'triad' | 'adam' | 'adam_small';
  threads: number;
  n: number;
  ms: number;
  gbps: number;
  ratio?: number;
}

const BAR = 0.8;
const BYTES_PER_PARAM = 28;

function bindingSeconds(n: number, threads: number, reps = n >= 1e7 ? 15 : 40): number {
  native.setNumThreads(threads);
  const p = new Float32Array(n).fill(0.5);
  const g = new Float32Array(n).fill(0.01);
  const m = new Float32Array(n);
  const v = new Float32Array(n);
  let step = 0;
  return medianSeconds(() => native.adamStep(p, g, m, v, null, 1e-3, 0.9, 0.999, 1e-8, 0.01, true, false, false, ++step), reps, n < 1e4 ? 100 : 2);
}

export async function run(_args: string[]): Promise<void> {
  const exe = buildNativeBench('adam_bench');
  const lines = execFileSync(exe, { encoding: 'utf8' })
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Line);
  const triad = new Map(lines.filter((l) => l.kind === 'triad').map((l) => [l.threads, l.gbps]));
  const threadsBefore = native.backendInfo().threads;
  const rows: (string | number)[][] = [];
  for (const [threads, gbps] of triad) rows.push(['triad (12 B/elem)', threads, '2.5e7', '', gbps.toFixed(1), '', '']);
  for (const l of lines.filter((x) => x.kind === 'adam')) {
    const js = bindingSeconds(l.n, l.threads);
    const ratio = l.ratio ?? l.gbps / (triad.get(l.threads) ?? NaN);
    rows.push([
      'adam fp32 (28 B/param)',
      l.threads,
      l.n.toExponential(0),
      l.ms.toFixed(3),
      l.gbps.toFixed(1),
      `${(ratio * 100).toFixed(0)}% ${ratio >= BAR ? 'PASS' : 'FAIL'}`,
      `${(js * 1e3).toFixed(3)} (${((BYTES_PER_PARAM * l.n) / js / 1e9).toFixed(1)} GB/s)`,
    ]);
  }
  for (const l of lines.filter((x) => x.kind === 'adam_small')) {
    const js = bindingSeconds(l.n, l.threads, 2001);
    rows.push(['adam fp32, per-call cost', l.threads, l.n, l.ms.toFixed(4), l.gbps.toFixed(1), '', `${(js * 1e3).toFixed(4)} (+${((js * 1e3 - l.ms) * 1e3).toFixed(2)} us)`]);
  }
  native.setNumThreads(threadsBefore);
  printTable(['workload', 'threads', 'n', 'ms/step', 'GB/s', `vs triad (bar ${BAR * 100}%)`, 'via JS binding: ms/step'], rows);
}
