// Saving, loading and exporting models.
export { saveModel, loadModel, type SaveOptions } from './model-files.ts';
export { toOnnx, exportOnnx } from './onnx.ts';
export { encodeWeights, decodeWeights, type WeightSpec, type WeightsGroup } from './weights.ts';
export { loadKerasModel, saveKerasModel, loadKerasWeights, saveKerasWeights, type KerasFormat, type BinaryInput } from './keras-bytes.ts';
