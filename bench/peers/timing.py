"""Timing shared by the PyTorch peers: the same rule as bench/util.ts's medianMicros."""
import time


def median_us(fn, inner, reps):
    """Median microseconds per call of fn over `reps` rounds of `inner` calls, after one warm-up round."""
    for _ in range(inner):
        fn()
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        for _ in range(inner):
            fn()
        times.append((time.perf_counter() - t0) / inner * 1e6)
    times.sort()
    return times[len(times) // 2]
