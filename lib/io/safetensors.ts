// The safetensors format (what Hugging Face's `safetensors` and PyTorch users read and write):
// an 8-byte little-endian header length N, N bytes of JSON { name: { dtype, shape,
// data_offsets: [begin, end] }, "__metadata__"?: { string: string } } padded with spaces to a
// multiple of 8, then the tensors' little-endian bytes back to back, with no gaps.
import * as fs from 'fs';
import * as os from 'os';

import { tensor } from '../tensor/creation';
import type { DType } from '../tensor/dtype';
import { Tensor } from '../tensor/tensor';
import { writeFileAtomic } from './atomic';

/** String key/value pairs stored in the header's `__metadata__`. */
export type SafetensorsMetadata = Record<string, string>;

const WRITE: Record<DType, string> = { float64: 'F64', float32: 'F32', int32: 'I32' };
// The order the reference writer sorts by (its dtype enum, descending), then by name.
const WRITE_RANK: Record<DType, number> = { float64: 0, float32: 1, int32: 2 };

interface Reader {
  bytes: number;
  dtype: DType;
  /** The elements of a little-endian buffer as kiln's dtype. */
  read(b: Buffer, n: number): Float32Array | Float64Array | Int32Array;
}

const copyAs = <A>(C: { new (buffer: ArrayBuffer): A }, b: Buffer): A => {
  const own = new ArrayBuffer(b.length); // fresh, so aligned for any element type
  new Uint8Array(own).set(b);
  return new C(own);
};

const READ: Record<string, Reader> = {
  F64: { bytes: 8, dtype: 'float64', read: (b) => copyAs(Float64Array, b) },
  F32: { bytes: 4, dtype: 'float32', read: (b) => copyAs(Float32Array, b) },
  I32: { bytes: 4, dtype: 'int32', read: (b) => copyAs(Int32Array, b) },
  // PyTorch stores integer buffers (BatchNorm's num_batches_tracked) as int64: read as int32.
  I64: {
    bytes: 8,
    dtype: 'int32',
    read(b, n) {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const v = b.readBigInt64LE(8 * i);
        if (v < -(2n ** 31n) || v >= 2n ** 31n) throw new RangeError(`safetensors: int64 value ${v} does not fit kiln's int32`);
        out[i] = Number(v);
      }
      return out;
    },
  },
};

function checkLittleEndian(op: string): void {
  if (os.endianness() !== 'LE') throw new Error(`${op}: safetensors data is little-endian and this machine is not`);
}

/** The safetensors bytes of `tensors` (any layout; written contiguous). */
export function serializeSafetensors(tensors: Record<string, Tensor>, metadata?: SafetensorsMetadata): Uint8Array {
  checkLittleEndian('serializeSafetensors');
  if (tensors === null || typeof tensors !== 'object') throw new TypeError('serializeSafetensors: tensors must be an object of name -> Tensor');
  const entries = Object.entries(tensors);
  for (const [name, t] of entries) {
    if (!(t instanceof Tensor)) throw new TypeError(`serializeSafetensors: "${name}" is not a Tensor`);
    if (t.disposed) throw new Error(`serializeSafetensors: "${name}" was disposed`);
    if (name === '__metadata__') throw new Error('serializeSafetensors: "__metadata__" is reserved for the metadata');
  }
  entries.sort(([a, s], [b, t]) => WRITE_RANK[s.dtype] - WRITE_RANK[t.dtype] || (a < b ? -1 : a > b ? 1 : 0));
  const header: Record<string, unknown> = {};
  if (metadata !== undefined) {
    for (const [k, v] of Object.entries(metadata)) if (typeof v !== 'string') throw new TypeError(`serializeSafetensors: metadata "${k}" must be a string, got ${typeof v}`);
    header.__metadata__ = metadata;
  }
  const chunks: Buffer[] = [];
  let offset = 0;
  for (const [name, t] of entries) {
    const v = t.values();
    const bytes = Buffer.from(v.buffer, v.byteOffset, v.byteLength);
    header[name] = { dtype: WRITE[t.dtype], shape: [...t.shape], data_offsets: [offset, offset + bytes.length] };
    chunks.push(Buffer.from(bytes)); // copy now: values() of a non-contiguous tensor is a temporary
    offset += bytes.length;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (Buffer.byteLength(json) % 8)) % 8);
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
  return Buffer.concat([prefix, Buffer.from(json, 'utf8'), ...chunks]);
}

/** Parses safetensors bytes into new tensors and the header's metadata. */
export function deserializeSafetensors(bytes: Uint8Array, source = 'safetensors data'): { tensors: Record<string, Tensor>; metadata: SafetensorsMetadata } {
  checkLittleEndian('deserializeSafetensors');
  const fail = (why: string): never => {
    throw new Error(`deserializeSafetensors: ${source} ${why}`);
  };
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 8) fail(`is ${buf.length} bytes, too short for the 8-byte header length`);
  const n = Number(buf.readBigUInt64LE(0));
  if (n > buf.length - 8) fail(`announces a ${n}-byte header but holds ${buf.length - 8} bytes after the length`);
  let header: unknown;
  try {
    header = JSON.parse(buf.toString('utf8', 8, 8 + n));
  } catch (e) {
    fail(`has a header that is not JSON (${(e as Error).message})`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) fail('has a header that is not a JSON object');
  const data = buf.subarray(8 + n);
  const { __metadata__: metadata = {}, ...infos } = header as Record<string, unknown>;
  if (metadata === null || typeof metadata !== 'object' || Object.values(metadata).some((v) => typeof v !== 'string')) fail('has a __metadata__ that is not an object of strings');
  const tensors: Record<string, Tensor> = {};
  const spans: [number, number, string][] = [];
  for (const [name, info] of Object.entries(infos)) {
    const { dtype, shape, data_offsets: offsets } = (info ?? {}) as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const reader = typeof dtype === 'string' ? READ[dtype] : undefined;
    if (reader === undefined) fail(`stores "${name}" as ${String(dtype)}; kiln reads ${Object.keys(READ).join(', ')}`);
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) fail(`gives "${name}" a bad shape ${JSON.stringify(shape)}`);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) fail(`gives "${name}" bad data_offsets ${JSON.stringify(offsets)}`);
    const [begin, end] = offsets as [number, number];
    const count = (shape as number[]).reduce((p, d) => p * d, 1);
    if (end - begin !== count * (reader as Reader).bytes) fail(`gives "${name}" ${end - begin} bytes for shape [${(shape as number[]).join(',')}] of ${dtype}`);
    if (end > data.length) fail(`gives "${name}" bytes ${begin}..${end} past the end of the ${data.length}-byte data`);
    spans.push([begin, end, name]);
    tensors[name] = tensor((reader as Reader).read(data.subarray(begin, end), count), { shape: shape as number[] });
  }
  // The format forbids overlaps and holes: the spans must tile the data exactly.
  spans.sort((a, b) => a[0] - b[0]);
  let at = 0;
  for (const [begin, end, name] of spans) {
    if (begin !== at) fail(`has ${begin < at ? 'overlapping' : 'a gap before'} "${name}" at byte ${begin} (expected ${at})`);
    at = end;
  }
  if (at !== data.length) fail(`has ${data.length - at} bytes after the last tensor`);
  return { tensors, metadata: metadata as SafetensorsMetadata };
}

/** Saves tensors (e.g. `model.stateDict()`) to a .safetensors file, atomically. */
export function saveSafetensors(tensors: Record<string, Tensor>, file: string, metadata?: SafetensorsMetadata): void {
  writeFileAtomic(file, serializeSafetensors(tensors, metadata));
}

/** Loads every tensor of a .safetensors file (for `model.loadStateDict(...)`). */
export function loadSafetensors(file: string): Record<string, Tensor> {
  return deserializeSafetensors(fs.readFileSync(file), file).tensors;
}
