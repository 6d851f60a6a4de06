// The fixed problem of test/fixtures/optim_traj.json (gen_optim_traj.py), built in kiln: a
// small tanh MLP's mean squared error on fixed data plus an anisotropic quadratic bowl.
import { readFileSync } from 'fs';
import * as path from 'path';

import * as kiln from '../lib/index';
import type { DType } from '../lib/tensor/dtype';

export interface TrajCase {
  optimizer: string;
  options: Record<string, unknown>;
  groups: null | 'decay' | 'lr';
  /** base64 float32: every parameter (in `shapes` order, flattened) after each step. */
  params: string;
  losses: number[];
}

export interface TrajFixture {
  steps: number;
  shapes: Record<string, number[]>;
  init: Record<string, number[]>;
  x: number[];
  y: number[];
  qa: number[];
  qc: number[];
  cases: TrajCase[];
  layout: { state: Record<string, string[]>; paramGroups: { params: number[]; keys: string[] }[] };
  lbfgs: { options: Record<string, unknown>; points: number[][]; losses: number[]; evals: number[] }[];
  clip: {
    shapes: number[][];
    weights: number[];
    grads: number[];
    norm: { normType: number | 'inf'; maxNorm: number; total: number; grads: number[] }[];
    value: { clipValue: number; grads: number[] }[];
    agc: { clipping: number; eps: number; grads: number[] }[];
  };
}

export const fixture: TrajFixture = JSON.parse(readFileSync(path.join(__dirname, 'fixtures', 'optim_traj.json'), 'utf8'));

export const names = Object.keys(fixture.shapes);

/** Decodes a fixture's base64 float32 array. */
export function float32s(b64: string): Float32Array {
  const buf = Buffer.from(b64, 'base64');
  return new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
}

/** Fresh parameters at the fixture's initial values. */
export function makeParams(dtype: DType = 'float32'): Record<string, kiln.Tensor> {
  const out: Record<string, kiln.Tensor> = {};
  for (const n of names) out[n] = kiln.tensor(fixture.init[n], { shape: fixture.shapes[n], dtype, requiresGrad: true });
  return out;
}

/** The problem's loss at p (recorded, for backward). */
export function loss(p: Record<string, kiln.Tensor>): kiln.Tensor {
  const dtype = p.w1.dtype;
  const x = kiln.tensor(fixture.x, { shape: [8, 2], dtype });
  const y = kiln.tensor(fixture.y, { shape: [8, 2], dtype });
  const out = x.matmul(p.w1.T).add(p.b1).tanh().matmul(p.w2.T).add(p.b2);
  const a = kiln.tensor(fixture.qa, { dtype });
  const c = kiln.tensor(fixture.qc, { dtype });
  return out.sub(y).square().mean().add(p.q.sub(c).square().mul(a).sum().mul(0.5));
}

/** Weights (and q) in one group, biases in another, as the fixture's per-group cases. */
export function groupsFor(c: Pick<TrajCase, 'groups' | 'options'>, p: Record<string, kiln.Tensor>): kiln.Tensor[] | { params: kiln.Tensor[]; [k: string]: unknown }[] {
  if (c.groups === null) return names.map((n) => p[n]);
  const weights = names.filter((n) => !n.startsWith('b')).map((n) => p[n]);
  const biases = names.filter((n) => n.startsWith('b')).map((n) => p[n]);
  if (c.groups === 'decay') return [{ params: weights }, { params: biases, weightDecay: 0 }];
  return [{ params: weights }, { params: biases, lr: (c.options.lr as number) / 2 }];
}

/** Every parameter's values, flattened in `names` order. */
export function flatValues(p: Record<string, kiln.Tensor>): number[] {
  return names.flatMap((n) => Array.from(p[n].values()));
}
