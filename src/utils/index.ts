// keras.utils: data feeding helpers and image files.
export { Sequence, type DataSource } from '../training/data-adapter.ts';
export { imageDatasetFromDirectory, IMAGE_FORMATS, type ImageDataset, type ImageDatasetOptions } from './image-dataset.ts';
export { loadImg, imgToArray, arrayToImg, saveImg, decodeImage, resizeImage, type ColorMode, type LoadImgOptions, type ResizeMethod } from './images.ts';
export { toCategorical } from './categorical.ts';
