// The io names that need no file system, for both entries (src/index.ts adds the Node-only ones):
// TF.js's IO handlers and model stores, model artifacts, Keras files as bytes, TF.js weights.
export { fromMemory, withSaveHandler, http, browserHTTPRequest, browserFiles, browserDownloads, type HttpOptions } from './handlers.ts';
export { browserLocalStorage, browserIndexedDB, listModels, removeModel, copyModel, moveModel } from './browser-storage.ts';
export { modelArtifacts, modelFromArtifacts, artifactsInfo, type IOHandler, type ModelArtifacts, type ModelArtifactsInfo, type SaveResult } from './artifacts.ts';
export { encodeWeights, decodeWeights, type WeightSpec, type WeightsGroup } from './weights.ts';
export { loadKerasModel, saveKerasModel, loadKerasWeights, saveKerasWeights, type KerasFormat, type BinaryInput } from './keras-bytes.ts';
