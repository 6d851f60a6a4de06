// Fused activation forward and backward over contiguous float32/float64 arrays.
//
//   forward:  y[i] = f(x[i])
//   backward: dx[i] = dy[i] * f'(x[i]), reading the saved output y where that is cheaper
//             (sigmoid, tanh); every kind takes x, y and dy so callers need not know which
//             are read. ELU's negative side reads x (alpha e^x): y + alpha would cancel. y may alias x (forward in place) and dx may alias dy.
//
// Parameters per kind (p0, p1; unused ones are ignored):
//   LeakyRelu p0 = negative slope     Elu p0 = alpha     Softplus p0 = beta, p1 = threshold
//   Heaviside p0 = value at x == 0
// Derivatives at the kinks follow PyTorch: relu'(0) = 0, leaky_relu'(0) = slope,
// elu'(0) = alpha, heaviside' = 0 everywhere.
#pragma once

#include <cstdint>

namespace kiln::activation {

enum class Kind : int { Relu, LeakyRelu, Elu, GeluTanh, GeluErf, Sigmoid, Tanh, Softplus, Heaviside, Count };

void forward_f32(Kind kind, const float* x, float* y, std::int64_t n, double p0, double p1);
void forward_f64(Kind kind, const double* x, double* y, std::int64_t n, double p0, double p1);
void backward_f32(Kind kind, const float* x, const float* y, const float* dy, float* dx, std::int64_t n,
                  double p0, double p1);
void backward_f64(Kind kind, const double* x, const double* y, const double* dy, double* dx,
                  std::int64_t n, double p0, double p1);

}  // namespace kiln::activation

// One ISA path's leaf functions over [0, n) of already-offset pointers; no threading.
#define KILN_ACTIVATION_DECLARE_ISA(ns)                                                          \
  namespace kiln::ns {                                                                           \
  void act_forward(activation::Kind kind, const float* x, float* y, std::int64_t n, double p0,   \
                   double p1);                                                                   \
  void act_forward(activation::Kind kind, const double* x, double* y, std::int64_t n, double p0, \
                   double p1);                                                                   \
  void act_backward(activation::Kind kind, const float* x, const float* y, const float* dy,     \
                    float* dx, std::int64_t n, double p0, double p1);                           \
  void act_backward(activation::Kind kind, const double* x, const double* y, const double* dy,  \
                    double* dx, std::int64_t n, double p0, double p1);                          \
  }

KILN_ACTIVATION_DECLARE_ISA(scalar)
#if defined(KILN_HAVE_AVX2)
KILN_ACTIVATION_DECLARE_ISA(avx2)
#endif
