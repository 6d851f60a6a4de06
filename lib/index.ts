// The public surface of kiln: re-exports only.
export { backendInfo, getNumThreads, setNumThreads } from './backend';
export type { BackendInfo, IsaName } from './backend';
