// keras.utils in the browser build: the data helpers, and image files as Files, Blobs, bytes or
// URLs decoded by the platform (saveImg, which writes files, is Node only).
export { Sequence, type DataSource } from '../training/data-adapter.ts';
export { imageDatasetFromDirectory, type DirectoryEntry, type BrowserImageDatasetOptions } from './image-dataset-browser.ts';
export { IMAGE_FORMATS, type ImageDataset, type ImageDatasetOptions } from './image-dataset-core.ts';
export { loadImg, decodeImage, type ImageSource } from './browser-images.ts';
export { imgToArray, arrayToImg, resizeImage, type ColorMode, type ResizeMethod } from './image-arrays.ts';
export type { LoadImgOptions } from './images.ts';
export { toCategorical } from './categorical.ts';
