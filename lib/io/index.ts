// kiln.io: reading and writing tensors to files.
export { deserializeSafetensors, loadSafetensors, saveSafetensors, serializeSafetensors } from './safetensors';
export type { SafetensorsMetadata } from './safetensors';
export { writeFileAtomic } from './atomic';
