// matmul with PyTorch's rules: 1-D operands are promoted to matrices and the added axis
// removed after; batch axes broadcast. Transposed views go to the GEMM as transpose flags,
// so backward (g·Bᵀ, Aᵀ·g) copies nothing.
import { native } from '../native';
import { isFloat, promoteTypes } from '../tensor/dtype';
import { broadcastShapes, formatShape, numel } from '../tensor/shape';
import { Tensor } from '../tensor/tensor';
import { toDType } from './convert';
import { copyKernel, fillInto } from './kernels';
import { checkAlive, defineOp, register } from './op';
import { sumTo } from './reduce';
import { expand, squeeze, transpose, unsqueeze } from './views';

interface MatrixOperand {
  array: Float32Array | Float64Array;
  trans: boolean;
  ld: number;
  batchStride: number;
  temp: Tensor | null;
}

/** How the GEMM reads x [...batch, rows, cols] broadcast to `batch`: flags, leading dim, batch stride. */
function operand(x: Tensor, batch: readonly number[]): MatrixOperand {
  const r = x.ndim;
  const rows = x.shape[r - 2];
  const cols = x.shape[r - 1];
  const rs = x.strides[r - 2];
  const cs = x.strides[r - 1];
  let trans: boolean | null = null;
  let ld = 0;
  if ((cs === 1 || cols === 1) && rs >= Math.max(cols, 1)) [trans, ld] = [false, rs];
  else if ((rs === 1 || rows === 1) && cs >= Math.max(rows, 1)) [trans, ld] = [true, cs];
  // The batch axes must collapse into one stride (or all broadcast).
  const lead = batch.length - (r - 2);
  const bStrides = batch.map((_, i) => (i < lead || x.shape[i - lead] === 1 ? 0 : x.strides[i - lead]));
  let batchStride: number | null = 0;
  const live = bStrides.map((s, i) => [s, batch[i]] as const).filter(([s, d]) => s !== 0 && d !== 1);
  if (live.length > 0) {
    const all = bStrides.every((s, i) => s !== 0 || batch[i] === 1);
    batchStride = all ? live[live.length - 1][0] : null;
    for (let i = live.length - 2; i >= 0 && batchStride !== null; i--) {
      if (live[i][0] !== live[i + 1][0] * live[i + 1][1]) batchStride = null;
    }
  }
  if (trans === null || batchStride === null) {
    const temp = copyKernel(expand(x, [...batch, rows, cols]));
    return { ...operand(temp, batch), temp };
  }
  const array = x.array as Float32Array | Float64Array;
  return { array: x.offset === 0 ? array : array.subarray(x.offset), trans, ld, batchStride, temp: null };
}

/** A 2-D operand stored transposed (column-major), like the weight in x.matmul(w.T). */
function isTransposed(x: Tensor): boolean {
  return x.ndim === 2 && x.strides[0] === 1 && x.strides[1] !== 1 && x.shape[0] > 1;
}

// The gradient of a transposed operand is computed transposed (Gᵀ = the other product) and
// returned as a transposed view, so after the view's own backward it lands in the leaf's
// row-major layout with no copy (PyTorch's gradient layout contract, for the linear layer).
// Only for a plain 2-D product: with batch axes the other product is batched too, and its
// batch sum (sumTo) must come before any transpose.
function gradInLayoutOf(x: Tensor, g: Tensor, direct: () => Tensor, transposed: () => Tensor): Tensor {
  return isTransposed(x) && g.ndim === 2 ? transpose(transposed(), 0, 1) : direct();
}

const matmulOp: (a: Tensor, b: Tensor) => Tensor = defineOp<[Tensor, Tensor], null>({
  name: 'matmul',
  forward(ctx, a, b) {
    const m = a.shape[a.ndim - 2];
    const k = a.shape[a.ndim - 1];
    const n = b.shape[b.ndim - 1];
    if (b.shape[b.ndim - 2] !== k) {
      throw new RangeError(`matmul: shapes ${formatShape(a.shape)} and ${formatShape(b.shape)} do not align (${k} != ${b.shape[b.ndim - 2]})`);
    }
    const batch = broadcastShapes('matmul', a.shape.slice(0, -2), b.shape.slice(0, -2));
    const out = Tensor.empty([...batch, m, n], a.dtype);
    const count = numel(batch);
    if (out.size > 0 && k === 0) {
      fillInto(out, 0); // an empty inner dimension sums nothing
    } else if (out.size > 0) {
      const A = operand(a, batch);
      const B = operand(b, batch);
      native.gemmBatched(A.trans, B.trans, m, n, k, 1, A.array, A.ld, A.batchStride, B.array, B.ld, B.batchStride, 0, out.array as Float32Array, n, m * n, count);
      A.temp?.dispose();
      B.temp?.dispose();
    }
    ctx.save(a, b);
    return out;
  },
  backward(ctx, g) {
    const [a, b] = ctx.saved;
    return [
      ctx.needsInputGrad[0] ? sumTo(gradInLayoutOf(a, g, () => matmulOp(g, transpose(b, -1, -2)), () => matmulOp(b, transpose(g, -1, -2))), a.shape) : null,
      ctx.needsInputGrad[1] ? sumTo(gradInLayoutOf(b, g, () => matmulOp(transpose(a, -1, -2), g), () => matmulOp(transpose(g, -1, -2), a)), b.shape) : null,
    ];
  },
});

/** Matrix product with PyTorch's matmul semantics (dot, mv, mm, batched with broadcasting). */
export function matmul(a: Tensor, b: Tensor): Tensor {
  if (!(a instanceof Tensor) || !(b instanceof Tensor)) throw new TypeError('matmul: both operands must be Tensors');
  checkAlive('matmul', [a, b]);
  if (a.ndim === 0 || b.ndim === 0) throw new RangeError(`matmul: both operands need at least one axis, got shapes ${formatShape(a.shape)} and ${formatShape(b.shape)}`);
  // Checked here against the caller's shapes (below, 1-D operands become matrices).
  const k = a.shape[a.ndim - 1];
  const kb = b.shape[Math.max(0, b.ndim - 2)];
  if (k !== kb) throw new RangeError(`matmul: shapes ${formatShape(a.shape)} and ${formatShape(b.shape)} do not align (${k} != ${kb})`);
  const batchA = a.shape.slice(0, -2);
  const batchB = b.shape.slice(0, -2);
  if (batchA.length > 0 && batchB.length > 0) {
    try {
      broadcastShapes('matmul', batchA, batchB);
    } catch {
      throw new RangeError(`matmul: batch axes ${formatShape(batchA)} and ${formatShape(batchB)} of shapes ${formatShape(a.shape)} and ${formatShape(b.shape)} cannot be broadcast`);
    }
  }
  const dtype = promoteTypes(a.dtype, b.dtype);
  if (!isFloat(dtype)) throw new TypeError(`matmul: int32 operands are not supported (shapes ${formatShape(a.shape)} and ${formatShape(b.shape)}); convert with .float()`);
  let x = toDType(a, dtype);
  let y = toDType(b, dtype);
  const vecA = x.ndim === 1;
  const vecB = y.ndim === 1;
  if (vecA) x = unsqueeze(x, 0);
  if (vecB) y = unsqueeze(y, 1);
  let out = matmulOp(x, y);
  if (vecA) out = squeeze(out, -2);
  if (vecB) out = squeeze(out, -1);
  return out;
}

register({
  name: 'matmul',
  call: ([a, b]) => matmul(a, b),
  samples: [
    { shapes: [[3, 4], [4, 5]] },
    { shapes: [[4], [4]] },
    { shapes: [[4], [4, 2]] },
    { shapes: [[3, 4], [4]] },
    { shapes: [[2, 3, 4], [4, 5]] },
    { shapes: [[2, 1, 3, 4], [3, 4, 2]] },
  ],
  differentiable: true,
});
register({ name: 'matmulTransposed', call: ([a, b]) => matmul(transpose(a, 0, 1), transpose(b, 0, 1)), samples: [{ shapes: [[4, 3], [5, 4]] }], differentiable: true });
register({ name: 'matmulBatchedByTransposed', call: ([a, b]) => matmul(a, transpose(b, 0, 1)), samples: [{ shapes: [[2, 3, 5], [4, 5]] }], differentiable: true });
