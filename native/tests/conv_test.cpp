// Conv2d against a direct float64 convolution: kernels 1..7, strides 1..3, padding 0..3 and
// asymmetric, dilation, groups and depthwise, batch 1 and 0, odd sizes; gradients against
// central differences; bit-identical output at 1 and 2 threads.
#include <cstring>
#include <random>
#include <type_traits>
#include <vector>

#include "cpu/thread_pool.h"
#include "harness.h"

using kiln::test::random_vector;
#include "kernels/conv/conv.h"

namespace {

using kiln::Conv2dShape;
using std::int64_t;

Conv2dShape shape(int64_t n, int64_t cin, int64_t h, int64_t w, int64_t cout, int64_t kh, int64_t kw, int64_t sh,
                  int64_t sw, int64_t pt, int64_t pb, int64_t pl, int64_t pr, int64_t dh, int64_t dw, int64_t groups) {
  return Conv2dShape{n, cin, h, w, cout, kh, kw, sh, sw, pt, pb, pl, pr, dh, dw, groups};
}

int64_t x_size(const Conv2dShape& s) { return s.n * s.cin * s.h * s.w; }
int64_t w_size(const Conv2dShape& s) { return s.cout * (s.cin / s.groups) * s.kh * s.kw; }
int64_t y_size(const Conv2dShape& s) { return s.n * s.cout * s.oh() * s.ow(); }

// Calls f(x index, weight index, y index) for every multiply-add of the convolution.
template <class F>
void for_each_tap(const Conv2dShape& s, F&& f) {
  const int64_t cg = s.cin / s.groups, mg = s.cout / s.groups, oh = s.oh(), ow = s.ow();
  for (int64_t b = 0; b < s.n; ++b)
    for (int64_t o = 0; o < s.cout; ++o)
      for (int64_t i = 0; i < oh; ++i)
        for (int64_t j = 0; j < ow; ++j)
          for (int64_t c = 0; c < cg; ++c)
            for (int64_t p = 0; p < s.kh; ++p)
              for (int64_t q = 0; q < s.kw; ++q) {
                const int64_t ih = i * s.sh - s.pt + p * s.dh, iw = j * s.sw - s.pl + q * s.dw;
                if (ih < 0 || ih >= s.h || iw < 0 || iw >= s.w) continue;
                f(((b * s.cin + (o / mg) * cg + c) * s.h + ih) * s.w + iw, ((o * cg + c) * s.kh + p) * s.kw + q,
                  ((b * s.cout + o) * oh + i) * ow + j);
              }
}

template <class T>
double tolerance() {
  return std::is_same<T, float>::value ? 2e-5 : 1e-12;
}

template <class T>
void check_close(const std::vector<T>& got, const std::vector<double>& want) {
  CHECK(got.size() == want.size());
  for (std::size_t i = 0; i < want.size(); ++i) CHECK_CLOSE(got[i], want[i], tolerance<T>(), tolerance<T>());
}

template <class T>
void check_against_reference(const Conv2dShape& s, unsigned seed) {
  const auto x = random_vector<T>(x_size(s), seed), w = random_vector<T>(w_size(s), seed + 1);
  const auto bias = random_vector<T>(s.cout, seed + 2), dy = random_vector<T>(y_size(s), seed + 3);
  std::vector<double> y_ref(y_size(s)), dx_ref(x_size(s)), dw_ref(w_size(s)), db_ref(s.cout);
  const int64_t plane = s.oh() * s.ow();
  for (int64_t k = 0; k < y_size(s); ++k) {
    y_ref[k] = bias[(k / plane) % s.cout];
    db_ref[(k / plane) % s.cout] += dy[k];
  }
  for_each_tap(s, [&](int64_t xi, int64_t wi, int64_t yi) {
    y_ref[yi] += static_cast<double>(x[xi]) * w[wi];
    dx_ref[xi] += static_cast<double>(dy[yi]) * w[wi];
    dw_ref[wi] += static_cast<double>(dy[yi]) * x[xi];
  });
  // Outputs start as NaN: every element must be written.
  std::vector<T> y(y_size(s), T(NAN)), dx(x_size(s), T(NAN)), dw(w_size(s), T(NAN)), db(s.cout, T(NAN));
  kiln::conv2d_forward<T>(s, x.data(), w.data(), bias.data(), y.data());
  kiln::conv2d_backward_data<T>(s, dy.data(), w.data(), dx.data());
  kiln::conv2d_backward_weight<T>(s, x.data(), dy.data(), dw.data());
  kiln::conv2d_backward_bias<T>(s.n, s.cout, plane, dy.data(), db.data());
  check_close(y, y_ref);
  check_close(dx, dx_ref);
  check_close(dw, dw_ref);
  check_close(db, db_ref);
}

std::vector<Conv2dShape> shapes() {
  return {
      shape(2, 3, 9, 8, 4, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1),   // 1x1: no im2col
      shape(2, 3, 9, 8, 4, 1, 1, 2, 2, 0, 0, 0, 0, 1, 1, 1),   // 1x1 strided
      shape(2, 3, 9, 8, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1),
      shape(1, 2, 7, 7, 3, 5, 5, 1, 1, 2, 2, 2, 2, 1, 1, 1),   // batch 1
      shape(2, 2, 11, 13, 3, 7, 7, 1, 1, 3, 3, 3, 3, 1, 1, 1),
      shape(2, 3, 17, 15, 4, 3, 3, 2, 3, 1, 1, 1, 1, 1, 1, 1),
      shape(2, 3, 10, 11, 4, 5, 3, 3, 3, 0, 3, 2, 1, 1, 1, 1),  // asymmetric padding
      shape(2, 3, 9, 9, 4, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2, 1),    // dilation
      shape(1, 2, 12, 10, 3, 3, 5, 2, 1, 1, 0, 3, 2, 2, 1, 1),
      shape(2, 4, 8, 8, 6, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 2),    // groups
      shape(2, 5, 9, 7, 5, 5, 5, 2, 2, 2, 1, 0, 3, 1, 1, 5),    // depthwise
      shape(2, 3, 6, 6, 6, 3, 3, 1, 1, 1, 1, 1, 1, 2, 2, 3),    // channel multiplier 2
      shape(2, 1, 14, 14, 16, 5, 5, 1, 1, 2, 2, 2, 2, 1, 1, 1),  // one input channel
      shape(1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1),
      shape(1, 2, 4, 4, 2, 3, 3, 2, 2, 3, 3, 3, 3, 1, 1, 1),    // padding wider than the kernel reach
      shape(1, 64, 48, 48, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1),  // im2col in column chunks
      shape(1, 64, 64, 64, 2, 3, 3, 1, 2, 1, 1, 1, 1, 1, 1, 1),  // chunks, strided
      shape(2, 3, 9, 1, 4, 3, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1),     // one output column: runs of 1
      shape(1, 32, 10, 10, 17, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1),  // cin/groups >= 16: dx as a forward
      shape(2, 3, 9, 8, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1),     // 16 output channels: indirect tiles
      shape(3, 5, 10, 11, 13, 5, 3, 2, 1, 2, 1, 0, 2, 2, 1, 1),   // indirect: 13 channels, strided rows, dilation
      shape(1, 32, 7, 9, 32, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1),    // indirect, K = 288: two depth slices
      shape(2, 4, 6, 6, 64, 3, 3, 1, 1, 0, 2, 1, 1, 1, 1, 2),     // indirect per group (32 channels each)
      shape(2, 16, 14, 14, 32, 5, 5, 1, 1, 2, 2, 2, 2, 1, 1, 1),  // W3's second layer
  };
}

TEST(conv2d_f32_matches_direct_convolution) {
  unsigned seed = 1;
  for (const auto& s : shapes()) check_against_reference<float>(s, seed += 4);
}

TEST(conv2d_f64_matches_direct_convolution) {
  unsigned seed = 100;
  for (const auto& s : shapes()) check_against_reference<double>(s, seed += 4);
}

TEST(conv2d_empty_batch_zeroes_weight_and_bias_gradients) {
  const Conv2dShape s = shape(0, 3, 5, 5, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1);
  std::vector<float> w(w_size(s), 1.0f), dw(w_size(s), NAN), db(4, NAN);
  kiln::conv2d_forward<float>(s, nullptr, w.data(), nullptr, nullptr);
  kiln::conv2d_backward_data<float>(s, nullptr, w.data(), nullptr);
  kiln::conv2d_backward_weight<float>(s, nullptr, nullptr, dw.data());
  kiln::conv2d_backward_bias<float>(0, 4, 25, nullptr, db.data());
  for (float v : dw) CHECK(v == 0.0f);
  for (float v : db) CHECK(v == 0.0f);
}

TEST(conv2d_output_size_formula) {
  CHECK(kiln::conv2d_output_size(28, 5, 1, 2, 2, 1) == 28);
  CHECK(kiln::conv2d_output_size(10, 3, 3, 0, 3, 1) == 4);
  CHECK(kiln::conv2d_output_size(9, 3, 2, 1, 0, 2) == 3);
  CHECK(kiln::conv2d_output_size(4, 3, 1, 0, 0, 2) < 1);
}

// L = sum(conv(x, w) * g): dL/dx and dL/dw against central differences, in float64.
TEST(conv2d_gradients_match_central_differences) {
  for (const Conv2dShape& s : {shape(2, 2, 5, 6, 3, 3, 2, 2, 1, 1, 2, 0, 1, 1, 2, 1),
                               shape(1, 4, 6, 5, 2, 2, 3, 1, 1, 1, 1, 1, 1, 1, 1, 2)}) {
    auto xd = random_vector<double>(x_size(s), 7), wd = random_vector<double>(w_size(s), 8);
    const auto g = random_vector<double>(y_size(s), 9);
    const auto loss = [&] {
      std::vector<double> y(y_size(s));
      kiln::conv2d_forward<double>(s, xd.data(), wd.data(), nullptr, y.data());
      double acc = 0;
      for (std::size_t k = 0; k < y.size(); ++k) acc += y[k] * g[k];
      return acc;
    };
    std::vector<double> dx(x_size(s)), dw(w_size(s));
    kiln::conv2d_backward_data<double>(s, g.data(), wd.data(), dx.data());
    kiln::conv2d_backward_weight<double>(s, xd.data(), g.data(), dw.data());
    for (std::size_t k = 0; k < xd.size(); ++k) CHECK_CLOSE(dx[k], kiln::test::central_difference(xd, k, 1e-5, loss), 1e-7, 1e-8);
    for (std::size_t k = 0; k < wd.size(); ++k) CHECK_CLOSE(dw[k], kiln::test::central_difference(wd, k, 1e-5, loss), 1e-7, 1e-8);
  }
}

// Images, groups, column chunks and batch chunks of the weight gradient all split.
TEST(conv2d_bit_identical_at_1_and_2_threads) {
  const int threads = kiln::cpu::num_threads();
  for (const Conv2dShape& s : {shape(16, 16, 14, 14, 32, 5, 5, 1, 1, 2, 2, 2, 2, 1, 1, 1),
                               shape(1, 48, 36, 36, 32, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1),
                               shape(4, 32, 24, 24, 32, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 32),
                               shape(9, 24, 20, 20, 16, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 2)}) {
    const auto x = random_vector<float>(x_size(s), 11), w = random_vector<float>(w_size(s), 12);
    const auto bias = random_vector<float>(s.cout, 13), dy = random_vector<float>(y_size(s), 14);
    std::vector<float> out[2][4];
    for (int t = 0; t < 2; ++t) {
      kiln::cpu::set_num_threads(t + 1);
      auto& o = out[t];
      o[0].resize(y_size(s)), o[1].resize(x_size(s)), o[2].resize(w_size(s)), o[3].resize(s.cout);
      kiln::conv2d_forward<float>(s, x.data(), w.data(), bias.data(), o[0].data());
      kiln::conv2d_backward_data<float>(s, dy.data(), w.data(), o[1].data());
      kiln::conv2d_backward_weight<float>(s, x.data(), dy.data(), o[2].data());
      kiln::conv2d_backward_bias<float>(s.n, s.cout, s.oh() * s.ow(), dy.data(), o[3].data());
    }
    for (int k = 0; k < 4; ++k) CHECK(std::memcmp(out[0][k].data(), out[1][k].data(), out[0][k].size() * sizeof(float)) == 0);
  }
  kiln::cpu::set_num_threads(threads);
}

}  // namespace
