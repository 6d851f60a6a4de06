// kiln.io safetensors: the exact byte layout of the format, round trips of every dtype,
// readers' checks, and atomic saving.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { describe, expect, it } from 'vitest';

import * as kiln from '../lib/index';

const { deserializeSafetensors, loadSafetensors, saveSafetensors, serializeSafetensors } = kiln.io;

/** A safetensors file built by hand from the format's description. */
function handMade(header: object, data: Buffer, pad = true): Buffer {
  let json = JSON.stringify(header);
  if (pad) json += ' '.repeat((8 - (json.length % 8)) % 8);
  const n = Buffer.alloc(8);
  n.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([n, Buffer.from(json), data]);
}

const f32 = (...v: number[]): Buffer => Buffer.from(Float32Array.from(v).buffer);
const tmpDir = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-st-'));

describe('serializeSafetensors', () => {
  it('writes the reference layout: metadata first, F64 then F32 then I32, names sorted, header padded to 8', () => {
    const bytes = Buffer.from(serializeSafetensors(
      { 'fc.weight': kiln.tensor([[1, 2], [3, 4]]), 'fc.bias': kiln.tensor([0.5, -1]), steps: kiln.tensor([7], { dtype: 'int32' }), scale: kiln.tensor(0.25, { dtype: 'float64' }) },
      { format: 'pt' },
    ));
    const expected = handMade(
      {
        __metadata__: { format: 'pt' },
        scale: { dtype: 'F64', shape: [], data_offsets: [0, 8] },
        'fc.bias': { dtype: 'F32', shape: [2], data_offsets: [8, 16] },
        'fc.weight': { dtype: 'F32', shape: [2, 2], data_offsets: [16, 32] },
        steps: { dtype: 'I32', shape: [1], data_offsets: [32, 36] },
      },
      Buffer.concat([Buffer.from(Float64Array.from([0.25]).buffer), f32(0.5, -1), f32(1, 2, 3, 4), Buffer.from(Int32Array.from([7]).buffer)]),
    );
    expect(bytes.equals(expected)).toBe(true);
    expect(Number(bytes.readBigUInt64LE(0)) % 8).toBe(0);
  });

  it('writes non-contiguous tensors in row-major order', () => {
    const t = kiln.tensor([[1, 2, 3], [4, 5, 6]]).T;
    const back = deserializeSafetensors(serializeSafetensors({ t })).tensors.t;
    expect(back.shape).toEqual([3, 2]);
    expect(back.toArray()).toEqual([[1, 4], [2, 5], [3, 6]]);
  });

  it('rejects what the format cannot hold', () => {
    expect(() => serializeSafetensors({ a: [1] as unknown as kiln.Tensor })).toThrow(/serializeSafetensors: "a" is not a Tensor/);
    expect(() => serializeSafetensors({ __metadata__: kiln.zeros([1]) })).toThrow(/"__metadata__" is reserved/);
    expect(() => serializeSafetensors({}, { n: 3 as unknown as string })).toThrow(/serializeSafetensors: metadata "n" must be a string, got number/);
    const gone = kiln.zeros([2]);
    gone.dispose();
    expect(() => serializeSafetensors({ gone })).toThrow(/serializeSafetensors: "gone" was disposed/);
  });
});

describe('deserializeSafetensors', () => {
  it('round-trips every dtype, shapes and metadata', () => {
    const tensors = {
      w: kiln.randn([3, 4, 5]),
      d: kiln.randn([2], { dtype: 'float64' }),
      i: kiln.tensor([-3, 0, 2 ** 31 - 1], { dtype: 'int32' }),
      empty: kiln.zeros([0, 4]),
    };
    const { tensors: back, metadata } = deserializeSafetensors(serializeSafetensors(tensors, { epoch: '3' }));
    expect(metadata).toEqual({ epoch: '3' });
    expect(Object.keys(back).sort()).toEqual(['d', 'empty', 'i', 'w']);
    for (const [name, t] of Object.entries(tensors)) {
      expect(back[name].dtype).toBe(t.dtype);
      expect(back[name].shape).toEqual(t.shape);
      expect(Array.from(back[name].values())).toEqual(Array.from(t.values()));
    }
  });

  it('reads files with unpadded headers, I64 as int32, and no metadata', () => {
    const i64 = Buffer.alloc(16);
    i64.writeBigInt64LE(-5n, 0);
    i64.writeBigInt64LE(123456n, 8);
    const bytes = handMade({ n: { dtype: 'I64', shape: [2], data_offsets: [0, 16] }, x: { dtype: 'F32', shape: [1], data_offsets: [16, 20] } }, Buffer.concat([i64, f32(1.5)]), false);
    const { tensors, metadata } = deserializeSafetensors(bytes);
    expect(metadata).toEqual({});
    expect([tensors.n.dtype, tensors.n.toArray()]).toEqual(['int32', [-5, 123456]]);
    expect(tensors.x.toArray()).toEqual([1.5]);
  });

  it('names the file and the fault in what it rejects', () => {
    const ok = { x: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } };
    const cases: [Buffer, RegExp][] = [
      [Buffer.alloc(4), /data.st is 4 bytes, too short/],
      [handMade(ok, f32(1, 2)).subarray(0, 12), /announces a \d+-byte header but holds 4 bytes/],
      [handMade({ x: { dtype: 'F16', shape: [2], data_offsets: [0, 4] } }, Buffer.alloc(4)), /stores "x" as F16; kiln reads F64, F32, I32, I64/],
      [handMade({ x: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, f32(1, 2)), /gives "x" 8 bytes for shape \[3\] of F32/],
      [handMade({ x: { dtype: 'F32', shape: [-1], data_offsets: [0, 8] } }, f32(1, 2)), /gives "x" a bad shape \[-1\]/],
      [handMade(ok, f32(1)), /gives "x" bytes 0..8 past the end of the 4-byte data/],
      [handMade(ok, f32(1, 2, 3)), /has 4 bytes after the last tensor/],
      [handMade({ x: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, f32(1, 2)), /has a gap before "x" at byte 4 \(expected 0\)/],
      [handMade({ x: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, y: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, f32(1, 2)), /has overlapping "(x|y)"/],
      [handMade({ __metadata__: { a: 1 } }, Buffer.alloc(0)), /has a __metadata__ that is not an object of strings/],
      [Buffer.concat([Buffer.from([3, 0, 0, 0, 0, 0, 0, 0]), Buffer.from('{x}')]), /has a header that is not JSON/],
    ];
    for (const [bytes, message] of cases) expect(() => deserializeSafetensors(bytes, 'data.st')).toThrow(message);
  });
});

describe('state dicts', () => {
  it('round-trip a model with buffers (BatchNorm\'s running stats, its 0-d int32 step count)', () => {
    const { nn } = kiln;
    const make = (): InstanceType<typeof nn.Sequential> => new nn.Sequential(new nn.Conv2d(1, 4, 3), new nn.BatchNorm2d(4), new nn.ReLU());
    const model = make();
    model.forward(kiln.randn([2, 1, 5, 5]));
    const dir = tmpDir();
    const file = path.join(dir, 'bn.safetensors');
    saveSafetensors(model.stateDict(), file);
    const loaded = loadSafetensors(file);
    expect(loaded['1.num_batches_tracked'].shape).toEqual([]);
    expect(loaded['1.num_batches_tracked'].item()).toBe(1);
    const copy = make();
    expect(copy.loadStateDict(loaded)).toEqual({ missingKeys: [], unexpectedKeys: [] });
    const x = kiln.randn([3, 1, 5, 5]);
    expect(Array.from(copy.eval().forward(x).values())).toEqual(Array.from(model.eval().forward(x).values()));
    fs.rmSync(dir, { recursive: true });
  });
});

describe('saveSafetensors / loadSafetensors', () => {
  it('saves atomically: the file is replaced whole and no temporary file stays', () => {
    const dir = tmpDir();
    const file = path.join(dir, 'model.safetensors');
    saveSafetensors({ a: kiln.tensor([1, 2, 3]) }, file);
    saveSafetensors({ b: kiln.tensor([[4, 5]]) }, file, { step: '2' });
    expect(fs.readdirSync(dir)).toEqual(['model.safetensors']);
    const loaded = loadSafetensors(file);
    expect(Object.keys(loaded)).toEqual(['b']);
    expect(loaded.b.toArray()).toEqual([[4, 5]]);
    expect(deserializeSafetensors(fs.readFileSync(file)).metadata).toEqual({ step: '2' });
    fs.rmSync(dir, { recursive: true });
  });

  it('leaves the old file when writing fails, and names the path', () => {
    const dir = tmpDir();
    const file = path.join(dir, 'w.safetensors');
    saveSafetensors({ a: kiln.tensor([1]) }, file);
    const target = path.join(dir, 'missing', 'w.safetensors');
    expect(() => saveSafetensors({ a: kiln.tensor([2]) }, target)).toThrow(`writeFileAtomic: cannot write ${target} (ENOENT`);
    expect(() => loadSafetensors(path.join(dir, 'nope.safetensors'))).toThrow(/nope.safetensors/);
    expect(loadSafetensors(file).a.toArray()).toEqual([1]);
    expect(fs.readdirSync(dir)).toEqual(['w.safetensors']);
    fs.rmSync(dir, { recursive: true });
  });
});
