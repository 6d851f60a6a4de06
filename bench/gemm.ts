// W1 (BENCH.md): kiln's sgemm beside OpenBLAS's cblas_sgemm at 1 and 2 threads, measured
// alternately inside one native process (native/bench/gemm_bench.cpp), against the FMA peak
// of this machine (native/bench/fma_peak_avx2.cpp), plus one size through the JS binding.
// Usage: npm run bench -- gemm [max_n]   (default 2048)
import { execFileSync } from 'child_process';

import { native } from '../lib/native';
import { buildNativeBench, medianSeconds, printTable } from './util';

interface PeakLine { kind: 'peak'; threads: number; gflops: number }
interface InfoLine { kind: 'info'; isa: string; kernel: string; openblas: boolean }
interface MicroKernelLine { kind: 'ukernel'; name: string; gflops: number }
interface GemmLine {
  kind: 'gemm';
  op: string;
  m: number;
  n: number;
  k: number;
  threads: number;
  reps: number;
  kiln: number;
  openblas: number;
}
type Line = PeakLine | InfoLine | MicroKernelLine | GemmLine;

function runJsonLines(exe: string, args: string[]): Line[] {
  return execFileSync(exe, args, { encoding: 'utf8' })
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Line);
}

// The acceptance bar: >= 0.9x OpenBLAS at square n in {256..2048}, 1 and 2 threads, and
// >= 1.8x from 1 to 2 threads at n >= 512.
const BAR_SIZES = [256, 512, 1024, 2048];

function verdict(rows: GemmLine[]): string[] {
  const out: string[] = [];
  const square = (n: number, t: number) => rows.find((r) => r.op === 'NN' && r.m === n && r.n === n && r.k === n && r.threads === t);
  for (const n of BAR_SIZES) {
    for (const t of [1, 2]) {
      const r = square(n, t);
      if (!r || r.openblas === 0) continue;
      const ratio = r.kiln / r.openblas;
      out.push(`n=${n} t=${t}: ${ratio.toFixed(2)}x OpenBLAS ${ratio >= 0.9 ? 'PASS' : 'FAIL'}`);
    }
    const one = square(n, 1), two = square(n, 2);
    if (n >= 512 && one && two) {
      const scaling = two.kiln / one.kiln;
      // OpenBLAS's scaling in the same run tells whether the second core was really free.
      const peer = one.openblas > 0 ? ` (OpenBLAS in this run: ${(two.openblas / one.openblas).toFixed(2)}x)` : '';
      out.push(`n=${n}: 2-thread scaling ${scaling.toFixed(2)}x ${scaling >= 1.8 ? 'PASS' : 'FAIL'}${peer}`);
    }
  }
  return out;
}

// kiln's sgemm through the JS binding, single thread, to set beside the native figure.
function bindingGflops(n: number): number {
  const a = Float32Array.from({ length: n * n }, (_, i) => ((i * 7919) % 1000) / 1000 - 0.5);
  const b = Float32Array.from({ length: n * n }, (_, i) => ((i * 104729) % 1000) / 1000 - 0.5);
  const c = new Float32Array(n * n);
  const threads = native.backendInfo().threads;
  native.setNumThreads(1);
  const reps = Math.max(5, Math.min(200, Math.round(0.25 / ((2 * n ** 3) / 80e9))));
  const s = medianSeconds(() => native.gemm(false, false, n, n, n, 1, a, n, b, n, 0, c, n), reps);
  native.setNumThreads(threads);
  return (2 * n ** 3) / s / 1e9;
}

export async function run(args: string[]): Promise<void> {
  const maxN = args[0] ?? '2048';
  const peakExe = buildNativeBench('fma_peak_avx2');
  const gemmExe = buildNativeBench('gemm_bench');
  const peaks = runJsonLines(peakExe, []).filter((l): l is PeakLine => l.kind === 'peak');
  const lines = runJsonLines(gemmExe, [maxN]);
  const info = lines.find((l): l is InfoLine => l.kind === 'info');
  const micro = lines.find((l): l is MicroKernelLine => l.kind === 'ukernel');
  const rows = lines.filter((l): l is GemmLine => l.kind === 'gemm');
  const peak = (t: number) => peaks.find((p) => p.threads === t)?.gflops ?? NaN;

  console.log(`kiln isa ${info?.isa}, micro-kernel ${info?.kernel}; OpenBLAS ${info?.openblas ? 'linked' : 'absent'}`);
  console.log(`FMA peak: ${peaks.map((p) => `${p.gflops.toFixed(1)} GFLOP/s at ${p.threads} thread(s)`).join(', ')}`);
  if (micro) {
    console.log(`micro-kernel alone on packed data (L1): ${micro.gflops.toFixed(1)} GFLOP/s = ${((100 * micro.gflops) / peak(1)).toFixed(0)}% of 1-thread peak`);
  }
  printTable(
    ['shape (m x n x k)', 'op', 'threads', 'kiln GFLOP/s', 'OpenBLAS GFLOP/s', 'kiln/OpenBLAS', 'kiln % peak'],
    rows.map((r) => [
      `${r.m}x${r.n}x${r.k}`,
      r.op === 'NN' ? 'A·B' : r.op === 'TN' ? 'Aᵀ·B' : 'A·Bᵀ',
      r.threads,
      r.kiln.toFixed(1),
      r.openblas ? r.openblas.toFixed(1) : '-',
      r.openblas ? (r.kiln / r.openblas).toFixed(2) : '-',
      `${((100 * r.kiln) / peak(r.threads)).toFixed(0)}%`,
    ]),
  );
  const n = 512;
  const nativeOne = rows.find((r) => r.op === 'NN' && r.m === n && r.n === n && r.threads === 1);
  console.log(
    `through the JS binding, n=${n}, 1 thread: ${bindingGflops(n).toFixed(1)} GFLOP/s` +
      (nativeOne ? ` (native bench: ${nativeOne.kiln.toFixed(1)})` : ''),
  );
  // On a shared machine the second core may be busy: the FMA peak's own 2-thread scaling
  // says how much of it this run actually had.
  console.log(`FMA peak 2-thread scaling this run: ${(peak(2) / peak(1)).toFixed(2)}x (an idle machine gives ~2.0x)`);
  console.log('verdict against the bar:');
  for (const v of verdict(rows)) console.log(`  ${v}`);
}
