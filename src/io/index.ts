// Saving, loading and exporting models.
export { saveModel, loadModel, type SaveOptions } from './model-files.ts';
export { toOnnx, exportOnnx } from './onnx.ts';
export * from './portable.ts';
