export type IsaName = 'scalar' | 'avx2';

/** What the addon reports; the library adds its version (see lib/backend.ts). */
export interface NativeBackendInfo {
  /** The SIMD path kernels use now. */
  isa: IsaName;
  /** Threads kernels may use, the calling thread included. */
  threads: number;
  /** The GEMM implementation: kiln's own kernels. */
  blas: string;
  /** Paths this CPU and build can run. */
  supportedIsas: IsaName[];
}

export interface BackendBindings {
  backendInfo(): NativeBackendInfo;
  setNumThreads(n: number): void;
  /** Switches the kernels' ISA path for the whole process (tests run every path). */
  setIsa(isa: IsaName): void;
}

export interface BackendInfo extends NativeBackendInfo {
  /** The kiln package version. */
  version: string;
}
