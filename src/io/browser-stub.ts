// What a browser bundle gets instead of io/model-files.ts and io/onnx.ts (package.json's
// `browser` map): those read and write files through node:fs.
const nodeOnly = (name: string) => (): never => {
  throw new Error(`${name} needs Node.js (it reads and writes files); in a browser, save a model's weights with model.getWeights() and io.encodeWeights`);
};
export const saveModel = nodeOnly('model.save');
export const loadModel = nodeOnly('models.loadModel');
export const exportOnnx = nodeOnly('model.exportOnnx');
export const toOnnx = nodeOnly('toOnnx');
