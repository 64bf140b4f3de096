// The names under tf.util.
export { shuffle, shuffleCombo, createShuffledIndices, sizeFromShape, arraysEqual, assert, flatten, isTypedArray, encodeString, decodeString, now, fetch } from './tfjs-util.ts';
