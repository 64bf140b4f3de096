// image_dataset_from_directory for the browser: the "directory" is a list of files, such as an
// <input type="file" webkitdirectory> gives (each File's webkitRelativePath starts with the
// chosen folder: "photos/cats/1.png"), or entries { path: 'cats/1.png', data: Blob | URL }
// with paths relative to the directory. Classes, order, shuffle and split are Keras's, as in
// Node (image-dataset-core.ts); images are decoded by the browser (browser-images.ts).
import { decodeImage, type ImageSource } from './browser-images.ts';
import { buildImageDataset, byCodePoint, isImageFile, type ImageDataset, type ImageDatasetOptions } from './image-dataset-core.ts';

/** A file of the directory: a File (from a folder picker or a drop), or a path relative to the directory with its bytes or URL. */
export type DirectoryEntry = File | { path: string; data: ImageSource };
export type BrowserImageDatasetOptions = Omit<ImageDatasetOptions, 'followLinks'>;

const KNOWN = new Set(['labels', 'labelMode', 'classNames', 'colorMode', 'batchSize', 'imageSize', 'shuffle', 'seed', 'validationSplit', 'subset', 'interpolation', 'cropToAspectRatio', 'verbose', 'numParallelCalls']);

/** An entry's path inside the directory, as segments (a picked folder's own name dropped). */
function segmentsOf(entry: DirectoryEntry, i: number): string[] {
  if (typeof File !== 'undefined' && entry instanceof File) {
    const parts = (entry.webkitRelativePath || entry.name).split('/').filter((p) => p !== '');
    return entry.webkitRelativePath ? parts.slice(1) : parts;
  }
  const path = (entry as { path?: unknown }).path;
  if (typeof path !== 'string' || !('data' in (entry as object))) {
    throw new Error(`imageDatasetFromDirectory: entry ${i} must be a File or { path: 'class/name.png', data: Blob | ArrayBuffer | Uint8Array | URL }, got ${Object.prototype.toString.call(entry)}`);
  }
  return path.split('/').filter((p) => p !== '' && p !== '.');
}

export async function imageDatasetFromDirectory(files: ArrayLike<DirectoryEntry>, options: BrowserImageDatasetOptions & { subset: 'both' }): Promise<[ImageDataset, ImageDataset]>;
export async function imageDatasetFromDirectory(files: ArrayLike<DirectoryEntry>, options?: BrowserImageDatasetOptions): Promise<ImageDataset>;
export async function imageDatasetFromDirectory(files: ArrayLike<DirectoryEntry>, options: BrowserImageDatasetOptions = {}): Promise<ImageDataset | [ImageDataset, ImageDataset]> {
  const what = 'imageDatasetFromDirectory';
  if (typeof files !== 'object' || files === null || typeof files.length !== 'number' || typeof files === 'string') {
    throw new Error(`${what}: in the browser, give the directory as a list of Files (an <input type="file" webkitdirectory>'s files) or of { path, data } entries, got ${typeof files === 'string' ? `the string '${files}'` : String(files)}`);
  }
  const sources = new Map<string, ImageSource>();
  const { colorMode = 'rgb' } = options;
  return buildImageDataset(what, 'the given files', options, KNOWN, () => {
    // Folders (paths of their files' parents) and their image files, as a directory walk would find them.
    const folders = new Map<string, string[]>();
    Array.from(files).forEach((entry, i) => {
      const parts = segmentsOf(entry, i), name = parts.at(-1) ?? '';
      if (!isImageFile(name)) return;
      const path = parts.join('/'), dir = parts.slice(0, -1).join('/');
      if (sources.has(path)) throw new Error(`${what}: two files have the path ${path}`);
      sources.set(path, entry instanceof Blob ? entry : (entry as { data: ImageSource }).data);
      folders.set(dir, [...(folders.get(dir) ?? []), name]);
    });
    const subdirs = [...new Set([...folders.keys()].filter((d) => d !== '').map((d) => d.split('/')[0]))].filter((d) => !d.startsWith('.')).sort(byCodePoint);
    const under = (root: string | null): string[] => [...folders.keys()]
      .filter((d) => root === null || d === root || d.startsWith(root + '/')).sort(byCodePoint)
      .flatMap((d) => folders.get(d)!.sort(byCodePoint).map((f) => (d ? `${d}/${f}` : f)));
    return { subdirs, files: under };
  }, (path) => decodeImage(sources.get(path)!, colorMode, path));
}
