// deeptype: deep learning for TypeScript with the Keras API.
export * from './api.ts';
export * as io from './io/index.ts';
export * as utils from './utils/index.ts';
