// `npm run bench -- conv [rounds] [name filter]`: conv2d forward, backward-data and backward-weight (fp32,
// through the addon) on the two convolutions of W3 (BENCH.md; batch 64) and a 3x3 64->64
// layer on 32x32 images (batch 32), as GFLOP/s (2 * multiply-adds / s) beside PyTorch's
// (bench/peers/conv_torch.py under /usr/bin/python3, same shapes, same thread count) at 1 and
// 2 threads. Each round times kiln then PyTorch, alternating; figures are medians over rounds
// of per-round medians. The bar: kiln >= 0.8x PyTorch on each W3 convolution and pass.
// At 1 thread the CPU-time ratio is printed too: on a shared machine it is the figure least
// disturbed by other processes (time spent descheduled is not counted on either side).
import type { Conv2dGeometry } from '../lib/bindings/conv';
import { native } from '../lib/native';
import { runPeerLines, torchAvailable } from './peers';
import { median, printTable } from './util';

interface Shape {
  name: string;
  w3: boolean;
  n: number; cin: number; h: number; w: number; cout: number; kh: number; kw: number;
  sh: number; sw: number; pt: number; pb: number; pl: number; pr: number; dh: number; dw: number; groups: number;
}

const BAR = 0.8;
const PASSES = ['forward', 'backward-data', 'backward-weight'] as const;
type Pass = (typeof PASSES)[number];

function conv(name: string, w3: boolean, n: number, cin: number, cout: number, hw: number, k: number, pad: number): Shape {
  return { name, w3, n, cin, h: hw, w: hw, cout, kh: k, kw: k, sh: 1, sw: 1, pt: pad, pb: pad, pl: pad, pr: pad, dh: 1, dw: 1, groups: 1 };
}

const SHAPES: Shape[] = [
  conv('W3 conv1 1->16 5x5 28x28 b64', true, 64, 1, 16, 28, 5, 2),
  conv('W3 conv2 16->32 5x5 14x14 b64', true, 64, 16, 32, 14, 5, 2),
  conv('3x3 64->64 32x32 b32', false, 32, 64, 64, 32, 3, 1),
];

const outSize = (i: number, k: number, s: number, lo: number, hi: number, d: number) => Math.floor((i + lo + hi - d * (k - 1) - 1) / s) + 1;

function flops(s: Shape): number {
  const oh = outSize(s.h, s.kh, s.sh, s.pt, s.pb, s.dh), ow = outSize(s.w, s.kw, s.sw, s.pl, s.pr, s.dw);
  return 2 * s.n * s.cout * oh * ow * (s.cin / s.groups) * s.kh * s.kw;
}

function filled(n: number, seed: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = Math.sin(i * 0.37 + seed);
  return a;
}

interface Timing {
  wall: number;
  cpu: number;
}

// Median wall and process-CPU seconds of one call of fn.
function timing(fn: () => void, reps: number): Timing {
  fn();
  fn();
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < reps; i++) {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    fn();
    wall.push(Number(process.hrtime.bigint() - t0) / 1e9);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1e6);
  }
  return { wall: median(wall), cpu: median(cpu) };
}

// Times kiln's three passes on every shape at the current thread count.
function kilnSeconds(shapes: Shape[], reps: number): Map<string, Timing> {
  const out = new Map<string, Timing>();
  for (const s of shapes) {
    const g: Conv2dGeometry = [s.n, s.cin, s.h, s.w, s.cout, s.kh, s.kw, s.sh, s.sw, s.pt, s.pb, s.pl, s.pr, s.dh, s.dw, s.groups];
    const oh = outSize(s.h, s.kh, s.sh, s.pt, s.pb, s.dh), ow = outSize(s.w, s.kw, s.sw, s.pl, s.pr, s.dw);
    const x = filled(s.n * s.cin * s.h * s.w, 1), dx = new Float32Array(x.length);
    const w = filled((s.cout * s.cin * s.kh * s.kw) / s.groups, 2), dw = new Float32Array(w.length);
    const b = filled(s.cout, 3);
    const y = new Float32Array(s.n * s.cout * oh * ow), dy = filled(y.length, 4);
    const fns: Record<Pass, () => void> = {
      forward: () => native.conv2dForward(x, w, b, y, ...g),
      'backward-data': () => native.conv2dBackwardData(dy, w, dx, ...g),
      'backward-weight': () => native.conv2dBackwardWeight(x, dy, dw, ...g),
    };
    for (const p of PASSES) out.set(`${s.name}|${p}`, timing(fns[p], reps));
  }
  return out;
}

interface PeerLine {
  kind: string;
  shape?: string;
  pass?: string;
  seconds?: number;
  cpu_seconds?: number;
  torch?: number;
}

function torchSeconds(shapes: Shape[], threads: number, reps: number): Map<string, Timing> {
  const env = { OMP_NUM_THREADS: String(threads), OPENBLAS_NUM_THREADS: String(threads) };
  const out = new Map<string, Timing>();
  for (const r of runPeerLines<PeerLine>('conv_torch.py', [threads, reps, JSON.stringify(shapes)], env)) {
    if (r.kind === 'threads' && r.torch !== threads) throw new Error(`PyTorch runs ${r.torch} threads, asked for ${threads}`);
    if (r.kind === 'time') out.set(`${r.shape}|${r.pass}`, { wall: r.seconds as number, cpu: r.cpu_seconds as number });
  }
  return out;
}

export async function run(args: string[]): Promise<void> {
  const rounds = Number(args[0] ?? 3);
  // Shapes whose name contains the filter (e.g. "conv2"), all by default.
  const shapes = SHAPES.filter((s) => s.name.includes(args[1] ?? ''));
  const reps = 7;
  const torch = torchAvailable();
  const { threads: startThreads } = native.backendInfo();
  const rows: (string | number)[][] = [];
  for (const threads of [1, 2]) {
    native.setNumThreads(threads);
    const kiln: Map<string, Timing>[] = [];
    const peer: Map<string, Timing>[] = [];
    for (let r = 0; r < rounds; r++) {
      kiln.push(kilnSeconds(shapes, reps));
      if (torch) peer.push(torchSeconds(shapes, threads, reps));
    }
    for (const s of shapes)
      for (const p of PASSES) {
        const key = `${s.name}|${p}`;
        const of = (runs: Map<string, Timing>[], f: keyof Timing) => median(runs.map((m) => (m.get(key) as Timing)[f]));
        const k = of(kiln, 'wall');
        const row: (string | number)[] = [s.name, p, threads, (k * 1e3).toFixed(2), (flops(s) / k / 1e9).toFixed(1)];
        if (torch) {
          const t = of(peer, 'wall');
          const ratio = t / k;
          const cpuRatio = threads === 1 ? `${(of(peer, 'cpu') / of(kiln, 'cpu')).toFixed(2)}x` : '';
          row.push((t * 1e3).toFixed(2), (flops(s) / t / 1e9).toFixed(1), `${ratio.toFixed(2)}x${s.w3 ? (ratio >= BAR ? ' PASS' : ' FAIL') : ''}`, cpuRatio);
        }
        rows.push(row);
      }
  }
  native.setNumThreads(startThreads);
  const header = ['shape (fp32, NCHW)', 'pass', 'threads', 'kiln ms', 'kiln GFLOP/s'];
  if (torch) header.push('torch ms', 'torch GFLOP/s', `kiln/torch (bar ${BAR}x on W3)`, 'CPU-time ratio');
  printTable(header, rows);
  if (!torch) console.log('PyTorch (/usr/bin/python3 with torch) not found: kiln figures only.');
}
