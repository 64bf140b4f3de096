// What keras.utils.image_dataset_from_directory does once the files are listed, shared by the
// Node version (folders on disk, image-dataset.ts) and the browser's (lists of Files,
// image-dataset-browser.ts): the options, Keras's indexing (classes in order, labels), NumPy's
// RandomState(seed) shuffle as Keras does (so the same seed gives Keras's split), the split,
// and the dataset of decoded, resized [image, label] batches.
import { Tensor } from '../core/tensor.ts';
import { Dataset } from '../data/dataset.ts';
import type { Element } from '../data/element.ts';
import { numpyShuffle } from './numpy-random.ts';
import { channelsOf, cropBox, cropImage, resizeImage, type ColorMode, type ResizeMethod } from './image-arrays.ts';

export const IMAGE_FORMATS = ['.bmp', '.gif', '.jpeg', '.jpg', '.png'];
export const isImageFile = (name: string): boolean => IMAGE_FORMATS.some((f) => name.toLowerCase().endsWith(f));
export const byCodePoint = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export interface ImageDatasetOptions {
  /** 'inferred' (from the folder names), null (images only) or one integer label per file, in the files' sorted order. */
  labels?: 'inferred' | null | number[];
  labelMode?: 'int' | 'categorical' | 'binary' | null;
  /** Which class folders, in this order (default: all, sorted). */
  classNames?: string[];
  colorMode?: ColorMode;
  /** null: one image per element (unbatched). */
  batchSize?: number | null;
  imageSize?: [number, number];
  shuffle?: boolean;
  seed?: number;
  validationSplit?: number;
  subset?: 'training' | 'validation' | 'both';
  interpolation?: ResizeMethod;
  /** Node only: walk into symbolic links to folders. */
  followLinks?: boolean;
  cropToAspectRatio?: boolean;
  /** Prints "Found N files belonging to K classes." as Keras does. */
  verbose?: boolean;
  /** Images decoded at once (on the libuv pool); default: the machine's cores. */
  numParallelCalls?: number | 'auto';
}

/** A dataset of [image, label] batches that also knows its classes and files (Keras's attributes). */
export type ImageDataset = Dataset<Element> & { classNames: string[] | null; filePaths: string[] };


/** A directory's contents as Keras lists them. */
export interface Listing {
  /** The class folders: first-level subfolders not starting with '.', sorted by code point. */
  subdirs: string[];
  /** The image files under one class folder (null: under the whole directory), in Keras's walk order. */
  files(subdir: string | null): string[];
}

/**
 * The dataset(s) of image_dataset_from_directory over `where` (a folder, or a list of files):
 * `list` lists it (after the options are checked), `read` decodes one file to a uint8 image.
 */
export async function buildImageDataset(what: string, where: string, options: ImageDatasetOptions, known: Set<string>, list: () => Listing,
  read: (file: string) => Promise<Tensor>): Promise<ImageDataset | [ImageDataset, ImageDataset]> {
  for (const k of Object.keys(options)) if (!known.has(k)) throw new Error(`${what}: unknown option '${k}' (known: ${[...known].join(', ')})`);
  const {
    labels = 'inferred', labelMode = 'int', colorMode = 'rgb', batchSize = 32, imageSize = [256, 256], shuffle = true,
    validationSplit, subset, interpolation = 'bilinear', cropToAspectRatio = false, verbose = true, numParallelCalls = 'auto',
  } = options;
  let { seed } = options;
  if (labels !== 'inferred' && labels !== null && !Array.isArray(labels)) throw new Error(`${what}: labels must be 'inferred', null or an array of integer labels, got ${JSON.stringify(labels)}`);
  if (!['int', 'categorical', 'binary', null].includes(labelMode)) throw new Error(`${what}: labelMode must be 'int', 'categorical', 'binary' or null, got '${labelMode}'`);
  const channels = channelsOf(colorMode, what);
  if (!Array.isArray(imageSize) || imageSize.length !== 2 || !imageSize.every((d) => Number.isInteger(d) && d > 0)) throw new Error(`${what}: imageSize must be [height, width] of positive integers, got ${JSON.stringify(imageSize)}`);
  if (batchSize !== null && (!Number.isInteger(batchSize) || batchSize < 1)) throw new Error(`${what}: batchSize must be a positive integer or null, got ${batchSize}`);
  if (interpolation !== 'bilinear' && interpolation !== 'nearest') throw new Error(`${what}: interpolation '${interpolation}' is not supported (only 'bilinear' and 'nearest')`);
  if (validationSplit !== undefined && !(validationSplit > 0 && validationSplit < 1)) throw new Error(`${what}: validationSplit must be between 0 and 1, got ${validationSplit}`);
  if ((validationSplit !== undefined) !== (subset !== undefined)) throw new Error(`${what}: if subset is set, validationSplit must be set, and inversely`);
  if (subset !== undefined && !['training', 'validation', 'both'].includes(subset)) throw new Error(`${what}: subset must be 'training', 'validation' or 'both', got '${subset}'`);
  if (validationSplit && shuffle && seed === undefined) throw new Error(`${what}: with validationSplit and shuffle you must give a seed, so that training and validation do not overlap`);

  // Index the files (Keras's dataset_utils.index_directory).
  const listing = list();
  let classNames: string[] | null = null;
  let files: string[] = [];
  let fileLabels: number[] | null = null;
  if (labels === 'inferred') {
    const subdirs = listing.subdirs;
    if (options.classNames) {
      const missing = options.classNames.filter((c) => !subdirs.includes(c));
      if (missing.length) throw new Error(`${what}: classNames ${JSON.stringify(missing)} are not subfolders of ${where} (its subfolders: ${JSON.stringify(subdirs)})`);
    }
    classNames = options.classNames ?? subdirs;
    if (classNames.length === 0) throw new Error(`${what}: no class folders in ${where}: with labels 'inferred' every class is a subfolder holding its images (${IMAGE_FORMATS.join(', ')})`);
    fileLabels = [];
    classNames.forEach((c, label) => { const found = listing.files(c); files.push(...found); fileLabels!.push(...found.map(() => label)); });
  } else {
    if (options.classNames) throw new Error(`${what}: classNames can only be given with labels 'inferred'`);
    files = listing.files(null);
    if (Array.isArray(labels)) {
      if (labels.length !== files.length) throw new Error(`${what}: ${labels.length} labels given but ${files.length} image files found in ${where}`);
      fileLabels = [...labels];
      classNames = [...new Set(labels)].sort((a, b) => a - b).map(String);
    }
  }
  if (files.length === 0) throw new Error(`${what}: no images found in directory ${where}. Allowed formats: ${IMAGE_FORMATS.join(', ')}`);
  const numClasses = classNames?.length ?? 0;
  if (labelMode === 'binary' && numClasses !== 2) throw new Error(`${what}: labelMode 'binary' needs exactly 2 classes, got ${numClasses}: ${JSON.stringify(classNames)}`);
  if (verbose) console.log(fileLabels ? `Found ${files.length} files belonging to ${numClasses} classes.` : `Found ${files.length} files.`);

  if (shuffle) {
    seed ??= Math.floor(Math.random() * 1e6);
    numpyShuffle(files, seed);
    if (fileLabels) numpyShuffle(fileLabels, seed);
  }

  const make = (paths: string[], labelsOf: number[] | null, shuffleEach: boolean): ImageDataset => {
    const entries = paths.map((p, i) => [p, labelsOf ? labelsOf[i] : -1] as const);
    let ds: Dataset<Element> = Dataset.fromArray(entries as unknown as Element[]);
    if (shuffleEach) ds = ds.shuffle(batchSize ? batchSize * 8 : 1024, { seed });
    ds = ds.map(async (e) => {
      const [path, label] = e as unknown as [string, number];
      const image = await loadResized(what, read, path, channels, imageSize, interpolation, cropToAspectRatio);
      if (labelMode === null || !labelsOf) return image;
      return [image, encodeLabel(label, labelMode, numClasses)];
    }, { numParallelCalls });
    if (batchSize !== null) ds = ds.batch(batchSize);
    return Object.assign(ds.prefetch(2), { classNames, filePaths: paths });
  };
  if (validationSplit === undefined) return make(files, fileLabels, shuffle);
  const pick = (s: 'training' | 'validation'): [string[], number[] | null] => [split(files, validationSplit, s), fileLabels && split(fileLabels, validationSplit, s)];
  const [trainFiles, trainLabels] = pick('training'), [valFiles, valLabels] = pick('validation');
  if (subset === 'both') {
    if (trainFiles.length === 0) throw new Error(`${what}: no training images found in directory ${where} (validationSplit ${validationSplit} of ${files.length} files)`);
    if (valFiles.length === 0) throw new Error(`${what}: no validation images found in directory ${where} (validationSplit ${validationSplit} of ${files.length} files)`);
    if (verbose) { console.log(`Using ${trainFiles.length} files for training.`); console.log(`Using ${valFiles.length} files for validation.`); }
    return [make(trainFiles, trainLabels, shuffle), make(valFiles, valLabels, false)];
  }
  const [chosen, chosenLabels] = subset === 'training' ? [trainFiles, trainLabels] : [valFiles, valLabels];
  if (chosen.length === 0) throw new Error(`${what}: no ${subset} images found in directory ${where} (validationSplit ${validationSplit} of ${files.length} files)`);
  if (verbose) console.log(`Using ${chosen.length} files for ${subset}.`);
  return make(chosen, chosenLabels, shuffle);
}

function split<T>(items: T[], validationSplit: number, subset: 'training' | 'validation'): T[] {
  const nVal = Math.trunc(validationSplit * items.length);
  // Keras slices [:-n] and [-n:]: with n = 0 that is nothing for training and everything for validation.
  return subset === 'training' ? items.slice(0, nVal === 0 ? 0 : items.length - nVal) : items.slice(nVal === 0 ? 0 : items.length - nVal);
}

/** Keras's load_image: decode with the channel count, crop to the aspect ratio if asked, resize (float32). */
async function loadResized(what: string, read: (file: string) => Promise<Tensor>, path: string, channels: number, size: [number, number], method: ResizeMethod, crop: boolean): Promise<Tensor> {
  let img = await read(path);
  if (img.shape[2] !== channels) throw new Error(`${what}: ${path} decoded to ${img.shape[2]} channels, expected ${channels}`);
  if (crop) img = cropImage(img, cropBox(img.shape[0], img.shape[1], size));
  return resizeImage(img, size, method);
}

function encodeLabel(label: number, mode: 'int' | 'categorical' | 'binary', numClasses: number): Tensor {
  if (mode === 'int') return new Tensor(Int32Array.of(label), []);
  if (mode === 'binary') return new Tensor(Float32Array.of(label), [1]);
  const out = new Float32Array(numClasses);
  out[label] = 1;
  return new Tensor(out, [numClasses]);
}

