// Module: registration, naming and order against PyTorch's (test/fixtures/nn.json), state
// dicts, modes, gradients, apply, conversion, containers and the printed summary.
import { describe, expect, it } from 'vitest';

import * as kiln from '../lib/index';
import * as nn from '../lib/nn/index';
import { camel, fixture, type Naming } from './nn-helpers';

/** W3 of ../shared/BENCH.md. */
const w3 = (): nn.Sequential =>
  new nn.Sequential(
    new nn.Conv2d(1, 16, 5, { padding: 2 }), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Conv2d(16, 32, 5, { padding: 2 }), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Flatten(), new nn.Linear(1568, 128), new nn.ReLU(), new nn.Linear(128, 10),
  );

class Block extends nn.Module {
  declare conv: nn.Conv2d;
  declare bn: nn.BatchNorm2d;
  declare act: nn.ReLU;
  constructor() {
    super();
    this.registerModule('conv', new nn.Conv2d(3, 4, 3, { bias: false }));
    this.registerModule('bn', new nn.BatchNorm2d(4));
    this.registerModule('act', new nn.ReLU());
  }

  override forward(x: kiln.Tensor): kiln.Tensor {
    return this.act.forward(this.bn.forward(this.conv.forward(x)));
  }
}

/** gen_nn.py's Net: buffers and a parameter on the root, registered around the children. */
class Net extends nn.Module {
  declare features: nn.Sequential;
  declare head: nn.ModuleList;
  declare temperature: kiln.Tensor;
  constructor() {
    super();
    this.registerBuffer('scale', kiln.ones([1]));
    this.registerModule('features', new nn.Sequential(new Block(), new nn.MaxPool2d(2)));
    this.registerBuffer('scratch', kiln.zeros([2]), false);
    this.registerModule('head', new nn.ModuleList([new nn.Linear(4, 3), new nn.Linear(3, 2)]));
    this.registerParameter('temperature', nn.parameter(kiln.ones([1])));
  }
}

function expectNaming(m: nn.Module, want: Naming): void {
  expect(m.namedParameters().map(([k, p]) => [k, p.shape])).toEqual(want.namedParameters);
  expect(m.namedBuffers().map(([k, b]) => [k, b.shape])).toEqual(want.namedBuffers.map(([k, s]) => [camel(k), s]));
  expect(Object.keys(m.stateDict())).toEqual(want.stateDictKeys.map(camel));
  expect(m.namedModules().map(([k, mod]) => [k, mod.constructor.name])).toEqual(want.namedModules);
  expect(m.numParameters()).toBe(want.numParameters);
}

// A printed tree reduced to indentation, child names and class names (the settings in the
// parentheses are spelled kiln's way: kernelSize=[5, 5] for kernel_size=(5, 5)).
const skeleton = (repr: string): string[] => repr.split('\n').map((line) => (/^\s*(\([\w.]+\): )?\w*/.exec(line) as RegExpExecArray)[0]);

describe('naming and order equal PyTorch', () => {
  it("W3's CNN as a Sequential", () => {
    const m = w3();
    expectNaming(m, fixture.naming.w3);
    expect(m.namedParameters().map(([k]) => k)).toEqual(['0.weight', '0.bias', '3.weight', '3.bias', '7.weight', '7.bias', '9.weight', '9.bias']);
  });

  it('a nested model with buffers, a non-persistent buffer, a ModuleList and a root parameter', () => {
    expectNaming(new Net(), fixture.naming.nested);
  });

  it('the printed tree has PyTorch’s shape, then the parameter counts', () => {
    for (const [m, want] of [[w3(), fixture.naming.w3], [new Net(), fixture.naming.nested]] as const) {
      const lines = m.toString().split('\n');
      expect(skeleton(lines.slice(0, -1).join('\n'))).toEqual(skeleton(want.repr));
      const n = want.numParameters.toLocaleString('en-US');
      expect(lines[lines.length - 1]).toBe(`Parameters: ${n} (trainable ${n})`);
    }
  });

  it("the printed W3 in kiln's spelling", () => {
    const m = w3();
    m.at(0).requiresGrad_(false);
    expect(m.toString()).toBe(
      [
        'Sequential(',
        '  (0): Conv2d(1, 16, kernelSize=[5, 5], stride=[1, 1], padding=[2, 2])',
        '  (1): ReLU()',
        '  (2): MaxPool2d(kernelSize=[2, 2], stride=[2, 2], padding=[0, 0], dilation=[1, 1], ceilMode=false)',
        '  (3): Conv2d(16, 32, kernelSize=[5, 5], stride=[1, 1], padding=[2, 2])',
        '  (4): ReLU()',
        '  (5): MaxPool2d(kernelSize=[2, 2], stride=[2, 2], padding=[0, 0], dilation=[1, 1], ceilMode=false)',
        '  (6): Flatten(startDim=1, endDim=-1)',
        '  (7): Linear(inFeatures=1568, outFeatures=128, bias=true)',
        '  (8): ReLU()',
        '  (9): Linear(inFeatures=128, outFeatures=10, bias=true)',
        ')',
        'Parameters: 215,370 (trainable 214,954)',
      ].join('\n'),
    );
  });

  it('a parameter shared by two modules is listed once, under its first name', () => {
    const a = new nn.Linear(3, 3);
    const b = new nn.Linear(3, 3);
    b.weight = a.weight;
    const m = new nn.Sequential(a, b, a);
    expect(m.namedParameters().map(([k]) => k)).toEqual(['0.weight', '0.bias', '1.bias']);
    expect(m.modules().length).toBe(3); // the Sequential, a once, b
    expect(m.numParameters()).toBe(9 + 3 + 3);
  });

  it('parameters(false) and children() see only the module itself', () => {
    const net = new Net();
    expect(net.parameters(false)).toEqual([net.temperature]);
    expect(net.namedChildren().map(([k]) => k)).toEqual(['features', 'head']);
    expect(net.children()).toEqual([net.features, net.head]);
    expect(net.buffers(false).length).toBe(2);
  });
});

describe('registration', () => {
  it('assigning a Module or an nn.parameter registers it, as PyTorch; other tensors are not state', () => {
    class MLP extends nn.Module {
      fc1 = new nn.Linear(4, 8);
      act = new nn.ReLU();
      fc2 = new nn.Linear(8, 2);
      scale = nn.parameter(kiln.ones([1]));
      cache = kiln.zeros([2]);
      override forward(x: kiln.Tensor): kiln.Tensor {
        return this.fc2.forward(this.act.forward(this.fc1.forward(x))).mul(this.scale);
      }
    }
    const m = new MLP();
    expect(m.namedParameters().map(([k]) => k)).toEqual(['scale', 'fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias']);
    expect(m.namedChildren().map(([k]) => k)).toEqual(['fc1', 'act', 'fc2']);
    expect(Object.keys(m.stateDict())).toEqual(['scale', 'fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias']);
    expect(m.buffers()).toEqual([]);
    // Explicitly registering what was assigned is allowed too.
    m.registerModule('act', m.act);
    expect(m.namedChildren().map(([k]) => k)).toEqual(['fc1', 'act', 'fc2']);
    m.forward(kiln.ones([3, 4])).sum().backward();
    expect(m.parameters().every((p) => p.grad !== null)).toBe(true);
  });

  it('registered values are plain fields; reassigning one changes what the module walks', () => {
    const lin = new nn.Linear(2, 2);
    const w = nn.parameter(kiln.zeros([2, 2]));
    lin.weight = w;
    expect(lin.parameters()[0]).toBe(w);
    lin.bias = null;
    expect(lin.namedParameters().map(([k]) => k)).toEqual(['weight']);
    expect(Object.keys(lin.stateDict())).toEqual(['weight']);
  });

  it('nn.parameter makes a kept leaf that requires grad and shares the storage', () => {
    const t = kiln.ones([3]);
    const p = nn.parameter(t);
    expect(p).not.toBe(t);
    expect(p.requiresGrad && p.isLeaf && p.kept).toBe(true);
    expect(t.requiresGrad).toBe(false);
    kiln.noGrad(() => p.fill_(2));
    expect(Array.from(t.values())).toEqual([2, 2, 2]);
    expect(nn.parameter(t, false).requiresGrad).toBe(false);
    const y = kiln.ones([2], { requiresGrad: true }).mul(2);
    expect(nn.parameter(y).isLeaf).toBe(true);
  });

  it('parameters survive the scope they were made in', () => {
    const lin = kiln.scope(() => new nn.Linear(3, 2));
    expect(lin.weight.disposed).toBe(false);
    expect(lin.forward(kiln.ones([1, 3])).shape).toEqual([1, 2]);
  });

  it('rejects bad names and clashes, naming the module and the name', () => {
    const m = new nn.Module();
    m.registerParameter('w', nn.parameter(kiln.ones([1])));
    expect(() => m.registerBuffer('w', kiln.ones([1]))).toThrow('Module.registerBuffer: "w" is already registered as a parameter');
    expect(() => m.registerModule('a.b', new nn.ReLU())).toThrow('Module.registerModule: name must be a non-empty string without ".", got "a.b"');
    expect(() => m.registerParameter('', null)).toThrow(/name must be a non-empty string/);
    expect(() => m.registerParameter('training', null)).toThrow('Module.registerParameter: "training" is already an attribute of Module');
    expect(() => m.registerParameter('forward', null)).toThrow(/"forward" is already an attribute/);
    expect(() => m.registerParameter('x', [1, 2] as unknown as kiln.Tensor)).toThrow('Module.registerParameter: "x" must be a Tensor or null');
    expect(() => m.registerModule('x', {} as nn.Module)).toThrow('Module.registerModule: "x" must be a Module or null');
    (m as unknown as Record<string, unknown>).w = 3;
    expect(() => m.parameters()).toThrow('Module: parameter "w" was replaced by a value that is not a Tensor');
  });

  it('the base forward throws, naming the class', () => {
    class Empty extends nn.Module {}
    expect(() => new Empty().forward(kiln.ones([1]))).toThrow('Empty: forward is not implemented');
  });
});

describe('state dict', () => {
  it('round trip: parameters and persistent buffers, not the non-persistent one', () => {
    kiln.manualSeed(1);
    const a = new Net();
    const x = kiln.randn([2, 3, 6, 6]);
    a.features.forward(x); // moves BatchNorm's running statistics and counter
    const dict = a.stateDict();
    expect(Object.keys(dict)).not.toContain('scratch');
    expect(dict['features.0.bn.numBatchesTracked'].item()).toBe(1);
    expect(dict['0.weight' as string]).toBeUndefined();
    // The dict shares storage with the module and is detached from the graph.
    expect(dict['features.0.conv.weight'].requiresGrad).toBe(false);
    kiln.manualSeed(2);
    const b = new Net();
    expect(b.loadStateDict(dict)).toEqual({ missingKeys: [], unexpectedKeys: [] });
    for (const [k, t] of Object.entries(b.stateDict())) expect(Array.from(t.values()), k).toEqual(Array.from(dict[k].values()));
    const ya = kiln.noGrad(() => a.eval().features.forward(x));
    const yb = kiln.noGrad(() => b.eval().features.forward(x));
    expect(Array.from(yb.values())).toEqual(Array.from(ya.values()));
    // Loading copies: training b further leaves a's tensors alone.
    kiln.noGrad(() => b.temperature.fill_(5));
    expect(a.temperature.item()).toBe(1);
  });

  it('a missing, an unexpected and a mis-shaped key fail with every key named; nothing is loaded', () => {
    const m = new nn.Sequential(new nn.Linear(2, 3), new nn.BatchNorm1d(3));
    const before = Array.from(m.at(0).parameters()[0].values());
    const dict = m.stateDict();
    const bad: Record<string, kiln.Tensor> = { ...dict, extra: kiln.ones([1]), '0.weight': kiln.ones([2, 3]) };
    delete bad['1.runningVar'];
    expect(() => m.loadStateDict(bad)).toThrow(
      'Sequential.loadStateDict: size mismatch for "0.weight": the dict has [2,3], the module [3,2]; missing keys: "1.runningVar"; unexpected keys: "extra"',
    );
    expect(Array.from(m.at(0).parameters()[0].values())).toEqual(before);
  });

  it('strict: false allows missing and unexpected keys and reports them, never a shape mismatch', () => {
    const m = new nn.Sequential(new nn.Linear(2, 3), new nn.BatchNorm1d(3));
    const partial = { '0.weight': kiln.full([3, 2], 0.5), '2.weight': kiln.ones([1]) };
    expect(m.loadStateDict(partial, { strict: false })).toEqual({
      missingKeys: ['0.bias', '1.weight', '1.bias', '1.runningMean', '1.runningVar', '1.numBatchesTracked'],
      unexpectedKeys: ['2.weight'],
    });
    expect(Array.from(m.at(0).parameters()[0].values())).toEqual([0.5, 0.5, 0.5, 0.5, 0.5, 0.5]);
    expect(() => m.loadStateDict({ '0.bias': kiln.ones([4]) }, { strict: false })).toThrow('size mismatch for "0.bias": the dict has [4], the module [3]');
    expect(() => m.loadStateDict({ '0.bias': [1, 2, 3] as unknown as kiln.Tensor }, { strict: false })).toThrow('"0.bias" is not a Tensor');
  });

  it('loading converts dtypes (a float64 dict into float32 parameters)', () => {
    const m = new nn.Linear(2, 1);
    m.loadStateDict({ weight: kiln.tensor([[0.25, -1]], { dtype: 'float64' }), bias: kiln.tensor([3], { dtype: 'float64' }) });
    expect(m.weight.dtype).toBe('float32');
    expect(Array.from(m.forward(kiln.tensor([[2, 1]])).values())).toEqual([2.5]);
  });
});

describe('modes, gradients, apply, conversion', () => {
  it('zeroGrad drops and frees the gradients (default) or zeroes them in place', () => {
    const m = new nn.Sequential(new nn.Linear(3, 2), new nn.Tanh(), new nn.Linear(2, 1));
    m.forward(kiln.ones([4, 3])).sum().backward();
    const grads = m.parameters().map((p) => p.grad);
    expect(grads.every((g) => g !== null)).toBe(true);
    m.zeroGrad(false);
    m.parameters().forEach((p, i) => {
      expect(p.grad).toBe(grads[i]);
      expect(Array.from(p.grad!.values()).every((v) => v === 0)).toBe(true);
    });
    m.zeroGrad();
    expect(m.parameters().every((p) => p.grad === null)).toBe(true);
    expect(grads.every((g) => g!.disposed)).toBe(true); // memory back for the next backward
    // A step after zeroGrad accumulates from zero again.
    m.forward(kiln.ones([4, 3])).sum().backward();
    const once = Array.from(m.parameters()[0].grad!.values());
    m.zeroGrad();
    m.forward(kiln.ones([4, 3])).sum().backward();
    expect(Array.from(m.parameters()[0].grad!.values())).toEqual(once);
  });

  it('apply visits children before their parent, every module once', () => {
    const net = new Net();
    const seen: string[] = [];
    const names = new Map(net.namedModules().map(([k, m]) => [m, k]));
    net.apply((m) => seen.push(names.get(m) as string));
    expect(seen).toEqual(['features.0.conv', 'features.0.bn', 'features.0.act', 'features.0', 'features.1', 'features', 'head.0', 'head.1', 'head', '']);
    // A module shared twice, or a reference back to an ancestor, is visited once.
    const lin = new nn.Linear(2, 2);
    const s = new nn.Sequential(lin, lin);
    (lin as unknown as { owner: nn.Module }).owner = s;
    let calls = 0;
    s.apply(() => calls++);
    expect(calls).toBe(2);
    expect(s.namedModules().map(([k]) => k)).toEqual(['', '0']);
  });

  it('apply re-initialises layers (the usual custom init)', () => {
    const m = new nn.Sequential(new nn.Linear(4, 4), new nn.ReLU(), new nn.Linear(4, 2));
    m.apply((mod) => {
      if (mod instanceof nn.Linear) {
        nn.init.xavierUniform_(mod.weight);
        nn.init.zeros_(mod.bias!);
      }
    });
    for (const [k, p] of m.namedParameters()) if (k.endsWith('bias')) expect(Array.from(p.values()).every((v) => v === 0)).toBe(true);
  });

  it('to(dtype) converts parameters and float buffers, keeps the counter int32 and the names', () => {
    const net = new Net().double();
    for (const [k, p] of net.namedParameters()) {
      expect(p.dtype, k).toBe('float64');
      expect(p.requiresGrad && p.isLeaf, k).toBe(true);
    }
    const buffers = Object.fromEntries(net.namedBuffers());
    expect(buffers['features.0.bn.runningMean'].dtype).toBe('float64');
    expect(buffers['features.0.bn.numBatchesTracked'].dtype).toBe('int32');
    expect(net.features.forward(kiln.randn([1, 3, 4, 4], { dtype: 'float64' })).dtype).toBe('float64');
    expect(net.float().temperature.dtype).toBe('float32');
    const a = new nn.Linear(3, 3);
    const tied = new nn.Sequential(a, new nn.Linear(3, 3));
    (tied.at(1) as nn.Linear).weight = a.weight;
    tied.double();
    expect((tied.at(1) as nn.Linear).weight).toBe(a.weight); // still one tensor
    expect(a.weight.dtype).toBe('float64');
    expect(() => net.to('int32')).toThrow('Net.to: dtype must be float32 or float64, got "int32"');
  });

  it('requiresGrad_(false) freezes every parameter: no gradients, not counted as trainable', () => {
    const m = new nn.Sequential(new nn.Linear(3, 2), new nn.Linear(2, 1));
    m.at(0).requiresGrad_(false);
    expect(m.numParameters(true)).toBe(3);
    m.forward(kiln.ones([1, 3])).sum().backward();
    expect(m.at(0).parameters().map((p) => p.grad)).toEqual([null, null]);
    expect(m.at(1).parameters().every((p) => p.grad !== null)).toBe(true);
  });
});

describe('containers', () => {
  it('Sequential is indexable, iterable and chains forward', () => {
    const a = new nn.Linear(3, 4);
    const b = new nn.ReLU();
    const s = new nn.Sequential(a, b);
    expect(s.length).toBe(2);
    expect(s[0]).toBe(a);
    expect(s.at(-1)).toBe(b);
    expect([...s]).toEqual([a, b]);
    const x = kiln.randn([2, 3]);
    expect(Array.from(s.forward(x).values())).toEqual(Array.from(b.forward(a.forward(x)).values()));
    s.append(new nn.Linear(4, 1));
    expect(s.forward(x).shape).toEqual([2, 1]);
    expect(() => s.at(3)).toThrow('Sequential: index 3 is out of range for 3 modules');
  });

  it('Sequential takes named modules', () => {
    const s = new nn.Sequential({ fc: new nn.Linear(2, 3), act: new nn.Sigmoid() });
    expect(s.namedParameters().map(([k]) => k)).toEqual(['fc.weight', 'fc.bias']);
    expect(s.at(1)).toBeInstanceOf(nn.Sigmoid);
    expect(s.forward(kiln.ones([1, 2])).shape).toEqual([1, 3]);
  });

  it('ModuleList registers its items, extends, and has no forward', () => {
    const l = new nn.ModuleList([new nn.Linear(2, 2)]);
    l.extend([new nn.Linear(2, 3), new nn.ReLU()]);
    expect(l.length).toBe(3);
    expect(l.namedParameters().map(([k]) => k)).toEqual(['0.weight', '0.bias', '1.weight', '1.bias']);
    expect(() => l.forward(kiln.ones([1]))).toThrow('ModuleList: forward is not implemented');
    expect(() => new nn.ModuleList([3 as unknown as nn.Module])).toThrow('ModuleList: item "0" is not a Module');
  });
});
