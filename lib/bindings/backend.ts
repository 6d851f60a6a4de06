export type IsaName = 'scalar' | 'avx2';

export interface BackendInfo {
  /** The SIMD path kernels use now. */
  isa: IsaName;
  /** Threads kernels may use, the calling thread included. */
  threads: number;
  version: string;
  /** The GEMM implementation: kiln's own kernels. */
  blas: string;
  /** Paths this CPU and build can run. */
  supportedIsas: IsaName[];
}

export interface BackendBindings {
  backendInfo(): BackendInfo;
  setNumThreads(n: number): void;
  /** Switches the kernels' ISA path for the whole process (tests run every path). */
  setIsa(isa: IsaName): void;
}
