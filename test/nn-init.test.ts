// nn.init against PyTorch (test/fixtures/nn.json): gains, fans, and the statistics of each
// scheme's draws (PyTorch's own draws and its theoretical std / bound).
import { describe, expect, it } from 'vitest';

import * as kiln from '../lib/index';
import * as nn from '../lib/nn/index';
import { fixture } from './nn-helpers';

const { init } = nn;

/** kiln's call for each fixture case (gen_nn.py makes the same in PyTorch). */
const fills: Record<string, (t: kiln.Tensor, generator: kiln.Generator) => kiln.Tensor> = {
  uniform: (t, generator) => init.uniform_(t, -2, 3, { generator }),
  normal: (t, generator) => init.normal_(t, 1, 0.5, { generator }),
  constant: (t) => init.constant_(t, 0.25),
  xavierUniform: (t, generator) => init.xavierUniform_(t, { gain: init.calculateGain('relu'), generator }),
  xavierNormal: (t, generator) => init.xavierNormal_(t, { gain: 2, generator }),
  kaimingUniform: (t, generator) => init.kaimingUniform_(t, { mode: 'fanOut', nonlinearity: 'relu', generator }),
  kaimingNormal: (t, generator) => init.kaimingNormal_(t, { a: 0.2, generator }),
  kaimingNormalTanhFanOut: (t, generator) => init.kaimingNormal_(t, { mode: 'fanOut', nonlinearity: 'tanh', generator }),
};

function stats(t: kiln.Tensor): { mean: number; std: number; min: number; max: number } {
  const v = t.values();
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const x of v) {
    sum += x;
    min = Math.min(min, x);
    max = Math.max(max, x);
  }
  const mean = sum / v.length;
  let ss = 0;
  for (const x of v) ss += (x - mean) ** 2;
  return { mean, std: Math.sqrt(ss / (v.length - 1)), min, max };
}

describe('nn.init against PyTorch', () => {
  it('calculateGain', () => {
    for (const [key, want] of Object.entries(fixture.gains)) {
      const [name, param] = key === 'leakyRelu0.2' ? ['leakyRelu', 0.2] : [key, undefined];
      expect(init.calculateGain(name as nn.init.Nonlinearity, param), key).toBeCloseTo(want, 14);
    }
    expect(() => init.calculateGain('swish' as 'relu')).toThrow('calculateGain: unsupported nonlinearity "swish"');
  });

  it('calculateFanInAndFanOut', () => {
    for (const { shape, fans } of fixture.fans) expect(init.calculateFanInAndFanOut(kiln.empty(shape)), `[${shape}]`).toEqual(fans);
    expect(() => init.calculateFanInAndFanOut(kiln.empty([5]))).toThrow('calculateFanInAndFanOut: fan in and fan out need at least 2 axes, got shape [5]');
  });

  it('every fixture case has a kiln call and back', () => {
    expect(fixture.init.map((c) => c.name).sort()).toEqual(Object.keys(fills).sort());
  });

  for (const c of fixture.init) {
    it(`${c.name}: the statistics of PyTorch's draws`, () => {
      const t = kiln.empty(c.shape);
      expect(fills[c.name](t, new kiln.Generator(5))).toBe(t);
      const s = stats(t);
      const n = t.size;
      // Two samples of n draws: their means and stds differ by a few standard errors
      // (std / sqrt(n) and std / sqrt(2n)); a wrong gain or fan is off by 10% or more.
      const tolMean = 6 * (c.std / Math.sqrt(n)) + 1e-12;
      const tolStd = c.name === 'constant' ? 1e-12 : 8 * (c.std / Math.sqrt(2 * n));
      expect(Math.abs(s.mean - c.mean)).toBeLessThan(tolMean);
      expect(Math.abs(s.std - c.std)).toBeLessThan(tolStd);
      if (c.theoryStd !== undefined) expect(Math.abs(s.std - c.theoryStd)).toBeLessThan(tolStd);
      if (c.bound !== undefined && c.bound !== null) {
        expect(Math.max(-s.min, s.max)).toBeLessThanOrEqual(c.bound * (1 + 1e-6));
        expect(Math.max(-s.min, s.max)).toBeGreaterThan(c.bound * 0.999);
        expect(Math.abs(s.std - c.bound / Math.sqrt(3))).toBeLessThan(tolStd);
      }
      if (c.name === 'uniform' || c.name === 'constant') {
        expect(s.min).toBeGreaterThanOrEqual(c.min - 1e-3);
        expect(s.max).toBeLessThanOrEqual(c.max + 1e-3);
      }
    });
  }
});

describe('nn.init semantics', () => {
  it('fills a parameter in place (no grad needed), bumping its version', () => {
    const p = nn.parameter(kiln.zeros([4, 3]));
    const v = p.version;
    expect(init.kaimingNormal_(p)).toBe(p);
    expect(p.version).toBeGreaterThan(v);
    expect(p.requiresGrad && p.isLeaf).toBe(true);
    init.ones_(p);
    expect(Array.from(p.values()).every((x) => x === 1)).toBe(true);
  });

  it('a seeded generator repeats the draws; the default one follows manualSeed', () => {
    const a = init.xavierNormal_(kiln.empty([6, 5]), { generator: new kiln.Generator(9) });
    const b = init.xavierNormal_(kiln.empty([6, 5]), { generator: new kiln.Generator(9) });
    expect(Array.from(a.values())).toEqual(Array.from(b.values()));
    kiln.manualSeed(21);
    const c = new nn.Linear(4, 3);
    kiln.manualSeed(21);
    const d = new nn.Linear(4, 3);
    expect(Array.from(c.weight.values())).toEqual(Array.from(d.weight.values()));
    expect(Array.from(c.bias!.values())).toEqual(Array.from(d.bias!.values()));
  });

  it('fills a non-contiguous view and nothing else', () => {
    const t = kiln.zeros([4, 6]);
    init.constant_(t.slice(1, 0, 6, 2), 7);
    expect(Array.from(t.values()).slice(0, 6)).toEqual([7, 0, 7, 0, 7, 0]);
    init.uniform_(t.T, 1, 2);
    expect(Array.from(t.values()).every((x) => x >= 1 && x < 2)).toBe(true);
  });

  it('float64 tensors draw in float64', () => {
    const t = init.normal_(kiln.empty([1000], { dtype: 'float64' }), 0, 1, { generator: new kiln.Generator(1) });
    expect(t.dtype).toBe('float64');
    expect(Math.abs(stats(t).std - 1)).toBeLessThan(0.1);
  });

  it('bad input throws, naming the function and the value', () => {
    expect(() => init.uniform_(kiln.zeros([2], { dtype: 'int32' }))).toThrow('uniform_: tensor of shape [2] is int32; init fills float tensors');
    expect(() => init.uniform_(kiln.zeros([2]), 3, 1)).toThrow('uniform_: bounds a 3 and b 1 must be finite with a <= b');
    expect(() => init.normal_(kiln.zeros([2]), 0, -1)).toThrow('normal_: mean 0 and std -1 must be finite with std >= 0');
    expect(() => init.xavierUniform_(kiln.zeros([3]))).toThrow('calculateFanInAndFanOut: fan in and fan out need at least 2 axes, got shape [3]');
    expect(() => init.kaimingUniform_(kiln.zeros([3, 2]), { mode: 'fan_in' as 'fanIn' })).toThrow(`kaimingUniform_: mode must be 'fanIn' or 'fanOut', got "fan_in"`);
    expect(() => init.kaimingNormal_(kiln.zeros([3, 0]))).toThrow('kaimingNormal_: cannot initialise a tensor of shape [3,0] with a zero fan');
    expect(() => init.constant_(kiln.zeros([2]), '1' as unknown as number)).toThrow('constant_: value must be a number, got string');
  });
});
