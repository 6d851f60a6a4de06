// Shared helpers for the benchmarks: timing, medians, native bench builds, tables.
import { execFileSync } from 'child_process';
import * as path from 'path';

import { native } from '../lib/native';

export const root = path.join(__dirname, '..');

/** Compiles lib/ to dist/ (the package as users load it: no tsx module shims on every call). */
export function buildPackage(): void {
  execFileSync('npm', ['run', 'build:ts'], { cwd: root, stdio: 'ignore' });
}

/** Loads a module of the built package (dist/<file>), built by buildPackage. */
export function requireBuilt<T>(file: string): T {
  return require(path.join(root, 'dist', file)) as T;
}

/** Median of the times (seconds) of `reps` calls of fn after `warmup` calls. */
export function medianSeconds(fn: () => void, reps: number, warmup = 2): number {
  for (let i = 0; i < warmup; ++i) fn();
  const times: number[] = [];
  for (let i = 0; i < reps; ++i) {
    const t0 = process.hrtime.bigint();
    fn();
    times.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return median(times);
}

/**
 * Median seconds of fn on every ISA path the CPU runs, at 1 and 2 threads (columns in that
 * order, named by isaThreadColumns); the ISA and thread count are restored after.
 */
export function secondsAcrossIsasAndThreads(fn: () => void, reps: number): number[] {
  const { isa: startIsa, threads: startThreads, supportedIsas } = native.backendInfo();
  const out: number[] = [];
  try {
    for (const isa of supportedIsas) {
      for (const t of [1, 2]) {
        native.setIsa(isa);
        native.setNumThreads(t);
        out.push(medianSeconds(fn, reps));
      }
    }
  } finally {
    native.setIsa(startIsa);
    native.setNumThreads(startThreads);
  }
  return out;
}

/** Column names for secondsAcrossIsasAndThreads. */
export function isaThreadColumns(): string[] {
  return native.backendInfo().supportedIsas.flatMap((i) => [`${i} 1t`, `${i} 2t`]);
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Median microseconds per call of fn over `reps` rounds of `inner` calls, after one warm-up round. */
export function medianMicros(fn: () => void, inner: number, reps: number): number {
  for (let i = 0; i < inner; i++) fn();
  const times: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < inner; i++) fn();
    times.push(Number(process.hrtime.bigint() - t0) / 1e3 / inner);
  }
  return median(times);
}

/** Builds a CMake bench target (native/bench/<target>.cpp) in build-bench/ and returns its path. */
export function buildNativeBench(target: string): string {
  const dir = path.join(root, 'build-bench');
  execFileSync('cmake', ['-S', root, '-B', dir, '-DCMAKE_BUILD_TYPE=Release'], { stdio: 'ignore' });
  execFileSync('cmake', ['--build', dir, '--target', target, '-j', '2'], { stdio: ['ignore', 'ignore', 'inherit'] });
  return path.join(dir, target);
}

/** Prints rows as an aligned plain-text table. */
export function printTable(header: string[], rows: (string | number)[][]): void {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, c) => Math.max(...cells.map((r) => (r[c] ?? '').length)));
  for (const [i, r] of cells.entries()) {
    console.log(r.map((cell, c) => cell.padStart(widths[c])).join('  '));
    if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  }
}
