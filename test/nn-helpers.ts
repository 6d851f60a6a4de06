// Shared by the nn tests: the PyTorch fixture (test/fixtures/nn.json) and comparisons.
import { readFileSync } from 'fs';
import * as path from 'path';

import { expect } from 'vitest';

import * as kiln from '../lib/index';

export interface StateEntry {
  shape: number[];
  data: number[];
  int: boolean;
}

export interface LayerCase {
  name: string;
  state: Record<string, StateEntry>;
  inputShape: number[];
  preInputs: number[][];
  input: number[];
  dy: number[];
  outputShape: number[];
  output: number[];
  inputGrad: number[];
  paramGrads: Record<string, number[]>;
  stateAfter: Record<string, StateEntry>;
  evalOutput: number[];
}

export interface LossCase {
  name: string;
  inputShape: number[];
  input: number[];
  targetShape: number[];
  target: number[];
  targetInt: boolean;
  tensors: Record<string, number[]>;
  output: number[];
  outputShape: number[];
  dy: number[];
  inputGrad: number[];
}

export interface Naming {
  namedParameters: [string, number[]][];
  namedBuffers: [string, number[]][];
  stateDictKeys: string[];
  namedModules: [string, string][];
  numParameters: number;
  repr: string;
}

export interface NnFixture {
  layers: LayerCase[];
  losses: LossCase[];
  classWeight: number[];
  defaultInit: { name: string; weightBound: number; biasBound: number; weightMaxAbs: number; weightStd: number; biasMaxAbs: number }[];
  init: { name: string; shape: number[]; mean: number; std: number; min: number; max: number; bound?: number | null; theoryStd?: number }[];
  gains: Record<string, number>;
  fans: { shape: number[]; fans: [number, number] }[];
  naming: { w3: Naming; nested: Naming };
}

export const fixture: NnFixture = JSON.parse(readFileSync(path.join(__dirname, 'fixtures', 'nn.json'), 'utf8'));

/** PyTorch's snake_case buffer names (running_mean) as kiln spells them (runningMean). */
export const camel = (key: string): string => key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/** The fixture's state dict as kiln tensors (float entries in `dtype`), keys in kiln's spelling. */
export function stateTensors(state: Record<string, StateEntry>, dtype: kiln.DType): Record<string, kiln.Tensor> {
  const out: Record<string, kiln.Tensor> = {};
  for (const [k, v] of Object.entries(state)) out[camel(k)] = kiln.tensor(v.data, { shape: v.shape, dtype: v.int ? 'int32' : dtype });
  return out;
}

/** Elementwise |got - want| <= tol * (1 + |want|), reporting the first element that is not. */
export function expectClose(got: ArrayLike<number> | kiln.Tensor | null | undefined, want: ArrayLike<number>, tol: number, what = ''): void {
  expect(got, what).not.toBeNull();
  expect(got, what).not.toBeUndefined();
  const g = got instanceof kiln.Tensor ? got.values() : (got as ArrayLike<number>);
  expect(g.length, `${what} length`).toBe(want.length);
  let bad = -1;
  for (let i = 0; i < want.length && bad < 0; i++) if (!(Math.abs(g[i] - want[i]) <= tol * (1 + Math.abs(want[i])))) bad = i;
  expect(bad < 0 ? 'all close' : `${what}[${bad}]: got ${g[bad]}, want ${want[bad]}`).toBe('all close');
}

/** Tolerances for comparing with float64 PyTorch results. */
export const TOL: Record<'float32' | 'float64', number> = { float32: 2e-5, float64: 1e-10 };
