// `npm run bench -- elementwise [--threads=N]`: per-call overhead of a 1-element add and
// throughput of the main elementwise and activation kernels on 1M float32 elements, per ISA.
import { native } from '../lib/native';
import { medianSeconds, printTable } from './util';

export async function run(args: string[]): Promise<void> {
  const threadsArg = args.find((a) => a.startsWith('--threads='));
  const before = native.backendInfo();
  if (threadsArg) native.setNumThreads(Number(threadsArg.slice('--threads='.length)));
  const ops = native.binaryOps;
  const n = 1 << 20;
  const rows = 1024;
  const cols = n / rows;
  const a = new Float32Array(n).map((_, i) => Math.sin(i));
  const b = new Float32Array(n).map((_, i) => Math.cos(i));
  const row = new Float32Array(cols).fill(0.5);
  const out = new Float32Array(n);
  const one = new Float32Array(1);
  const k = native.activationKinds;

  const workloads: [string, number, () => void][] = [
    ['add 1 element (call overhead)', 1, () => native.binary(ops.add, [1], one, [1], 0, one, [1], 0, one, [1], 0)],
    ['add contiguous', n, () => native.binary(ops.add, [n], out, [1], 0, a, [1], 0, b, [1], 0)],
    ['add row broadcast', n, () => native.binary(ops.add, [rows, cols], out, [cols, 1], 0, a, [cols, 1], 0, row, [0, 1], 0)],
    ['mul scalar', n, () => native.binaryScalar(ops.mul, [n], out, [1], 0, a, [1], 0, 3, false)],
    ['copy transposed', n, () => native.copy([rows, cols], out, [cols, 1], 0, a, [1, rows], 0)],
    ['exp', n, () => native.unary(native.unaryOps.exp, [n], out, [1], 0, a, [1], 0)],
    ['log', n, () => native.unary(native.unaryOps.log, [n], out, [1], 0, b, [1], 0)],
    ['relu forward', n, () => native.activationForward(k.relu, a, out, n, 0, 0)],
    ['sigmoid forward', n, () => native.activationForward(k.sigmoid, a, out, n, 0, 0)],
    ['geluTanh forward', n, () => native.activationForward(k.geluTanh, a, out, n, 0, 0)],
    ['sigmoid backward', n, () => native.activationBackward(k.sigmoid, a, b, a, out, n, 0, 0)],
  ];
  const table: (string | number)[][] = [];
  for (const isa of before.supportedIsas) {
    native.setIsa(isa);
    for (const [name, count, fn] of workloads) {
      const reps = count === 1 ? 20001 : 21;
      const inner = count === 1 ? 100 : 1;
      const s = medianSeconds(() => { for (let i = 0; i < inner; i++) fn(); }, count === 1 ? 201 : reps) / inner;
      table.push([isa, name, count === 1 ? `${(s * 1e6).toFixed(2)} us/call` : `${((s / count) * 1e9).toFixed(3)} ns/elem`]);
    }
  }
  console.log(`threads: ${native.backendInfo().threads}`);
  native.setIsa(before.isa);
  native.setNumThreads(before.threads);
  printTable(['isa', 'workload', 'time'], table);
}
