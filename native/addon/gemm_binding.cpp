// gemm and gemmBatched: validate every argument, then call the kernels in native/kernels/gemm.
#include <string>

#include "addon/args.h"
#include "addon/bindings.h"
#include "kernels/gemm/gemm.h"

namespace kiln::addon {
namespace {

// Argument positions shared by both bindings, before the batched-only strides shift them.
struct Shape {
  bool trans_a, trans_b;
  std::int64_t m, n, k;
};

Shape read_shape(const Args& args) {
  return {args.boolean(0, "transA"), args.boolean(1, "transB"), args.size(2, "m"),
          args.size(3, "n"), args.size(4, "k")};
}

// Elements one stored matrix spans: op(X) is rows x cols, stored transposed when trans.
std::int64_t extent(const Args& args, bool trans, std::int64_t rows, std::int64_t cols,
                    std::int64_t ld, const char* name, const char* ld_name) {
  return trans ? matrix_extent(args, cols, rows, ld, name, ld_name)
               : matrix_extent(args, rows, cols, ld, name, ld_name);
}

// Elements `batch` matrices of `one` elements each, `stride` apart, span.
std::int64_t batched_extent(const Args& args, std::int64_t one, std::int64_t stride,
                            std::int64_t batch, const char* name) {
  if (one == 0 || batch == 0) return 0;
  return checked_add(args, checked_mul(args, batch - 1, stride, name), one, name);
}

// The element type comes from A; B and C must match it (Args names the one that does not).
template <class T>
void call_gemm(const Args& args, const Shape& s) {
  const std::int64_t lda = args.size(7, "lda"), ldb = args.size(9, "ldb"), ldc = args.size(12, "ldc");
  const std::int64_t ea = extent(args, s.trans_a, s.m, s.k, lda, "A", "lda");
  const std::int64_t eb = extent(args, s.trans_b, s.k, s.n, ldb, "B", "ldb");
  const std::int64_t ec = matrix_extent(args, s.m, s.n, ldc, "C", "ldc");
  const Span<T> a = args.array<T>(6, "A", ea);
  const Span<T> b = args.array<T>(8, "B", eb);
  const Span<T> c = args.array<T>(11, "C", ec);
  const T alpha = static_cast<T>(args.number(5, "alpha"));
  const T beta = static_cast<T>(args.number(10, "beta"));
  kiln::gemm(s.trans_a, s.trans_b, s.m, s.n, s.k, alpha, a.data, lda, b.data, ldb, beta, c.data, ldc);
}

Napi::Value gemm(const Napi::CallbackInfo& info) {
  Args args(info, "gemm", 13);
  const Shape s = read_shape(args);
  if (args.float_dtype(6, "A") == DType::Float32) {
    call_gemm<float>(args, s);
  } else {
    call_gemm<double>(args, s);
  }
  return info.Env().Undefined();
}

template <class T>
void call_gemm_batched(const Args& args, const Shape& s) {
  const std::int64_t lda = args.size(7, "lda"), stride_a = args.size(8, "strideA");
  const std::int64_t ldb = args.size(10, "ldb"), stride_b = args.size(11, "strideB");
  const std::int64_t ldc = args.size(14, "ldc"), stride_c = args.size(15, "strideC");
  const std::int64_t batch = args.size(16, "batch");
  const std::int64_t ea = extent(args, s.trans_a, s.m, s.k, lda, "A", "lda");
  const std::int64_t eb = extent(args, s.trans_b, s.k, s.n, ldb, "B", "ldb");
  const std::int64_t ec = matrix_extent(args, s.m, s.n, ldc, "C", "ldc");
  if (batch > 1 && ec > 0 && stride_c < ec) {
    args.range_error("argument 'strideC' (" + std::to_string(stride_c) +
                     ") must be >= the extent of one C matrix (" + std::to_string(ec) +
                     ") when batch > 1: outputs must not overlap");
  }
  const Span<T> a = args.array<T>(6, "A", batched_extent(args, ea, stride_a, batch, "A"));
  const Span<T> b = args.array<T>(9, "B", batched_extent(args, eb, stride_b, batch, "B"));
  const Span<T> c = args.array<T>(13, "C", batched_extent(args, ec, stride_c, batch, "C"));
  const T alpha = static_cast<T>(args.number(5, "alpha"));
  const T beta = static_cast<T>(args.number(12, "beta"));
  kiln::gemm_batched(s.trans_a, s.trans_b, s.m, s.n, s.k, alpha, a.data, lda, stride_a, b.data,
                     ldb, stride_b, beta, c.data, ldc, stride_c, batch);
}

Napi::Value gemm_batched(const Napi::CallbackInfo& info) {
  Args args(info, "gemmBatched", 17);
  const Shape s = read_shape(args);
  if (args.float_dtype(6, "A") == DType::Float32) {
    call_gemm_batched<float>(args, s);
  } else {
    call_gemm_batched<double>(args, s);
  }
  return info.Env().Undefined();
}

}  // namespace

void register_gemm(Napi::Env env, Napi::Object exports) {
  set_function(env, exports, "gemm", gemm);
  set_function(env, exports, "gemmBatched", gemm_batched);
}

}  // namespace kiln::addon
