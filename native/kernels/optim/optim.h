// Fused optimizer steps: one pass over param, grad and state, updating param and state in
// place with the same arithmetic as PyTorch's torch.optim.SGD, Adam and AdamW.
// All arrays are contiguous and hold n elements; grad is read-only. The caller validates
// the hyperparameters (the bindings do); the kernels trust them.
#pragma once

#include <cstdint>

namespace kiln::optim {

struct SgdOptions {
  double lr = 0, momentum = 0, dampening = 0, weight_decay = 0;
  bool nesterov = false, maximize = false;
  // PyTorch starts the momentum buffer as a copy of the gradient (no dampening) on the
  // first step; later steps blend it.
  bool first_step = false;
};

struct AdamOptions {
  double lr = 0, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weight_decay = 0;
  // false: Adam (L2 term added to the gradient); true: AdamW (p *= 1 - lr * wd).
  bool decoupled = false;
  bool amsgrad = false, maximize = false;
  std::int64_t step = 1;  // 1-based step count for the bias corrections
};

// momentum_buf may be null when momentum == 0.
template <class T>
void sgd_step(T* param, const T* grad, T* momentum_buf, std::int64_t n, const SgdOptions& o);

// vmax (running max of v) may be null unless amsgrad.
template <class T>
void adam_step(T* param, const T* grad, T* m, T* v, T* vmax, std::int64_t n, const AdamOptions& o);

}  // namespace kiln::optim
