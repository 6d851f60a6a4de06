// The strong Wolfe line search of PyTorch's L-BFGS (torch/optim/lbfgs.py: _strong_wolfe and
// _cubic_interpolate, after Nocedal & Wright's Algorithms 3.5 and 3.6, and minFunc), in plain
// numbers over flat vectors.
import type { FloatArray } from '../bindings/optim';

/** Σ a·b, accumulated in double. */
export function dot(a: FloatArray, b: FloatArray): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** Σ |a| (the 1-norm), accumulated in double. */
export function sumAbs(a: FloatArray): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i]);
  return s;
}

/** max |a| (the inf-norm); 0 for an empty vector. */
export function maxAbs(a: FloatArray): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

/**
 * The minimizer of the cubic through (x1, f1) and (x2, f2) with slopes g1 and g2, clamped to
 * `bounds` (default: between x1 and x2); the middle of the bounds when the cubic has none.
 */
export function cubicInterpolate(x1: number, f1: number, g1: number, x2: number, f2: number, g2: number, bounds?: [number, number]): number {
  const [lo, hi] = bounds ?? (x1 <= x2 ? [x1, x2] : [x2, x1]);
  const d1 = g1 + g2 - (3 * (f1 - f2)) / (x1 - x2);
  const d2Square = d1 * d1 - g1 * g2;
  if (d2Square < 0) return (lo + hi) / 2;
  const d2 = Math.sqrt(d2Square);
  const minPos = x1 <= x2 ? x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2)) : x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2));
  return Math.min(Math.max(minPos, lo), hi);
}

/** The loss and flat gradient at x + t·d (the caller's x and d). */
export type DirectionalObjective = (t: number) => [number, FloatArray];

export interface LineSearchResult {
  loss: number;
  grad: FloatArray;
  t: number;
  evals: number;
}

/**
 * A step t along d satisfying the strong Wolfe conditions (sufficient decrease c1, curvature
 * c2), starting from t: bracketing, then zooming by cubic interpolation. f, g and gtd are the
 * loss, gradient and directional derivative at t = 0. Gradients `obj` returns are kept as they
 * are (it must return a new array each call).
 */
export function strongWolfe(obj: DirectionalObjective, t: number, d: FloatArray, f: number, g: FloatArray, gtd: number, c1 = 1e-4, c2 = 0.9, toleranceChange = 1e-9, maxLs = 25): LineSearchResult {
  const dNorm = maxAbs(d);
  let [fNew, gNew] = obj(t);
  let evals = 1;
  let gtdNew = dot(gNew, d);

  // Bracket an interval containing a point satisfying the Wolfe criteria.
  let [tPrev, fPrev, gPrev, gtdPrev] = [0, f, g, gtd];
  let done = false;
  let lsIter = 0;
  let bracket: number[] = [];
  let bracketF: number[] = [];
  let bracketG: FloatArray[] = [];
  let bracketGtd: number[] = [];
  while (lsIter < maxLs) {
    if (fNew > f + c1 * t * gtd || (lsIter > 1 && fNew >= fPrev)) {
      [bracket, bracketF, bracketG, bracketGtd] = [[tPrev, t], [fPrev, fNew], [gPrev, gNew], [gtdPrev, gtdNew]];
      break;
    }
    if (Math.abs(gtdNew) <= -c2 * gtd) {
      [bracket, bracketF, bracketG] = [[t], [fNew], [gNew]];
      done = true;
      break;
    }
    if (gtdNew >= 0) {
      [bracket, bracketF, bracketG, bracketGtd] = [[tPrev, t], [fPrev, fNew], [gPrev, gNew], [gtdPrev, gtdNew]];
      break;
    }
    // Extrapolate by cubic interpolation within [t + 0.01(t - tPrev), 10t].
    const tmp = t;
    t = cubicInterpolate(tPrev, fPrev, gtdPrev, t, fNew, gtdNew, [t + 0.01 * (t - tPrev), t * 10]);
    [tPrev, fPrev, gPrev, gtdPrev] = [tmp, fNew, gNew, gtdNew];
    [fNew, gNew] = obj(t);
    evals++;
    gtdNew = dot(gNew, d);
    lsIter++;
  }
  if (lsIter === maxLs) [bracket, bracketF, bracketG] = [[0, t], [f, fNew], [g, gNew]];

  // Zoom: shrink the bracket until a point satisfies the criteria.
  let insufficientProgress = false;
  let [low, high] = bracketF[0] <= bracketF[bracketF.length - 1] ? [0, 1] : [1, 0];
  while (!done && lsIter < maxLs) {
    if (Math.abs(bracket[1] - bracket[0]) * dNorm < toleranceChange) break;
    t = cubicInterpolate(bracket[0], bracketF[0], bracketGtd[0], bracket[1], bracketF[1], bracketGtd[1]);
    // Too close to a boundary (twice, or on it): move to 0.1 of the bracket's length inside.
    const bMax = Math.max(...bracket);
    const bMin = Math.min(...bracket);
    const eps = 0.1 * (bMax - bMin);
    if (Math.min(bMax - t, t - bMin) < eps) {
      if (insufficientProgress || t >= bMax || t <= bMin) {
        t = Math.abs(t - bMax) < Math.abs(t - bMin) ? bMax - eps : bMin + eps;
        insufficientProgress = false;
      } else {
        insufficientProgress = true;
      }
    } else {
      insufficientProgress = false;
    }
    [fNew, gNew] = obj(t);
    evals++;
    gtdNew = dot(gNew, d);
    lsIter++;
    if (fNew > f + c1 * t * gtd || fNew >= bracketF[low]) {
      // Armijo fails or no lower than the low point: the new point is the high end.
      [bracket[high], bracketF[high], bracketG[high], bracketGtd[high]] = [t, fNew, gNew, gtdNew];
      [low, high] = bracketF[0] <= bracketF[1] ? [0, 1] : [1, 0];
    } else {
      if (Math.abs(gtdNew) <= -c2 * gtd) {
        done = true;
      } else if (gtdNew * (bracket[high] - bracket[low]) >= 0) {
        // The old high becomes the new low.
        [bracket[high], bracketF[high], bracketG[high], bracketGtd[high]] = [bracket[low], bracketF[low], bracketG[low], bracketGtd[low]];
      }
      [bracket[low], bracketF[low], bracketG[low], bracketGtd[low]] = [t, fNew, gNew, gtdNew];
    }
  }
  return { loss: bracketF[low], grad: bracketG[low], t: bracket[low], evals };
}
