// keras.utils.image_dataset_from_directory on a folder: one subfolder per class, files listed in
// Keras's order (class folders sorted, files sorted within each, walked depth first), then
// shuffled, split and decoded as image-dataset-core.ts does for Node and browsers alike.
import { nodeBuiltin } from '../core/node-only.ts';
import { decodeImage } from './images.ts';
import { buildImageDataset, byCodePoint, isImageFile, type ImageDataset, type ImageDatasetOptions } from './image-dataset-core.ts';

export { IMAGE_FORMATS, type ImageDataset, type ImageDatasetOptions } from './image-dataset-core.ts';

const fs = (): typeof import('node:fs') => nodeBuiltin('node:fs', 'imageDatasetFromDirectory');
const readdirSync = (p: string): string[] => fs().readdirSync(p);
const statSync = (p: string, o: { throwIfNoEntry: false }) => fs().statSync(p, o);
const readFile = (p: string): Promise<Uint8Array> => nodeBuiltin('node:fs/promises', 'imageDatasetFromDirectory').readFile(p);
const join = (...parts: string[]): string => nodeBuiltin('node:path', 'imageDatasetFromDirectory').join(...parts);

const KNOWN = new Set(['labels', 'labelMode', 'classNames', 'colorMode', 'batchSize', 'imageSize', 'shuffle', 'seed', 'validationSplit', 'subset', 'interpolation', 'followLinks', 'cropToAspectRatio', 'verbose', 'numParallelCalls']);

const isDir = (p: string, followLinks: boolean): boolean => {
  try { return statSync(p, { throwIfNoEntry: false })?.isDirectory() === true && (followLinks || !lstat(p).isSymbolicLink()); } catch { return false; }
};
const lstat = (p: string) => fs().lstatSync(p);

/** Image files under dir, as Keras lists them: os.walk's folders sorted by path, files sorted in each. */
function walkImages(dir: string, followLinks: boolean): string[] {
  const folders: [string, string[]][] = [];
  const visit = (d: string): void => {
    const entries = readdirSync(d);
    folders.push([d, entries.filter((e) => !isDir(join(d, e), true) && isImageFile(e)).sort(byCodePoint)]);
    for (const e of entries) if (isDir(join(d, e), followLinks)) visit(join(d, e));
  };
  visit(dir);
  return folders.sort(([a], [b]) => byCodePoint(a, b)).flatMap(([d, files]) => files.map((f) => join(d, f)));
}

export async function imageDatasetFromDirectory(directory: string, options: ImageDatasetOptions & { subset: 'both' }): Promise<[ImageDataset, ImageDataset]>;
export async function imageDatasetFromDirectory(directory: string, options?: ImageDatasetOptions): Promise<ImageDataset>;
export async function imageDatasetFromDirectory(directory: string, options: ImageDatasetOptions = {}): Promise<ImageDataset | [ImageDataset, ImageDataset]> {
  const what = 'imageDatasetFromDirectory', { followLinks = false, colorMode = 'rgb' } = options;
  return buildImageDataset(what, directory, options, KNOWN, () => {
    if (!isDir(directory, true)) throw new Error(`${what}: ${directory} is not a directory`);
    return {
      subdirs: readdirSync(directory).sort(byCodePoint).filter((d) => !d.startsWith('.') && isDir(join(directory, d), true)),
      files: (subdir) => walkImages(subdir === null ? directory : join(directory, subdir), followLinks),
    };
  }, async (path) => {
    let bytes: Uint8Array;
    try { bytes = await readFile(path); } catch (e) { throw new Error(`${what}: cannot read ${path} (${(e as Error).message})`); }
    return decodeImage(bytes, colorMode, path);
  });
}
