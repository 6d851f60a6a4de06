// GNU vector types of one register: 32 bytes when the translation unit is compiled for AVX,
// else 16 (SSE2). Include only from inside `namespace kiln::KILN_ISA_NS` (the width differs
// per ISA translation unit). Used by the reduce and softmax leaves. The lane layout of a row
// reduction therefore differs between ISA paths: results are the same at any thread count,
// not across paths.
#if defined(__AVX__)
#define KILN_VEC_BYTES 32
#else
#define KILN_VEC_BYTES 16
#endif
typedef float VecF __attribute__((vector_size(KILN_VEC_BYTES)));
typedef double VecD __attribute__((vector_size(KILN_VEC_BYTES)));
typedef std::uint32_t BitsF __attribute__((vector_size(KILN_VEC_BYTES)));
typedef std::uint64_t BitsD __attribute__((vector_size(KILN_VEC_BYTES)));
typedef std::int32_t MaskF __attribute__((vector_size(KILN_VEC_BYTES)));
typedef std::int64_t MaskD __attribute__((vector_size(KILN_VEC_BYTES)));

// V: the value vector; U: its bits; M: comparison masks (also used for lane positions).
template <class T> struct Simd;
template <> struct Simd<float> {
  using V = VecF; using U = BitsF; using M = MaskF;
  static constexpr int N = KILN_VEC_BYTES / 4;
};
template <> struct Simd<double> {
  using V = VecD; using U = BitsD; using M = MaskD;
  static constexpr int N = KILN_VEC_BYTES / 8;
};
#undef KILN_VEC_BYTES

template <class V>
static inline V load_vec(const void* p) {
  V v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
