// What a browser bundle gets instead of io/model-files.ts, io/onnx.ts and io/keras-files.ts
// (package.json's `browser` map): those read and write files through node:fs.
const nodeOnly = (name: string) => (): never => {
  throw new Error(`${name} needs Node.js (it reads and writes files); in a browser, save to 'indexeddb://name', 'localstorage://name', 'downloads://name' or an http(s):// URL`);
};
export const saveModel = nodeOnly('model.save');
export const loadModel = nodeOnly('models.loadModel');
export const exportOnnx = nodeOnly('model.exportOnnx');
export const toOnnx = nodeOnly('toOnnx');
// Keras files by path (io/keras-files.ts): in a browser, Keras bytes load through models.loadModel's byte form.
export const kerasFormatOf = (): undefined => undefined;
export const isKerasFile = async (): Promise<boolean> => false;
export const saveKerasFile = nodeOnly('model.save to a .keras/.h5 file');
export const loadKerasFile = nodeOnly('models.loadModel of a .keras/.h5 file');
export const saveWeightsFile = nodeOnly('model.saveWeights');
export const loadWeightsFile = nodeOnly('model.loadWeights');
