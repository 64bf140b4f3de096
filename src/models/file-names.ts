// The TF.js directory writer never takes a Keras file name: model.save sends those to the
// Keras writers (io/keras-files.ts) first, so this only guards a direct call of saveModel.

/**
 * A Keras file name (.keras, .h5) given to the TF.js directory writer: refused, rather than
 * writing a TensorFlow.js directory under that name.
 */
export function refuseKerasFileName(path: string, what: string): void {
  const ext = /\.(keras|h5|hdf5)$/i.exec(path)?.[1];
  if (!ext) return;
  throw new Error(`${what}: '${path}' names a Keras .${ext.toLowerCase()} file, which this writer (TensorFlow.js's directory format) does not write. ` +
    `Call model.save('${path}') for Keras's format, or give a directory name instead (e.g. '${path.replace(/\.(keras|h5|hdf5)$/i, '')}'): deeptype saves model.json and its weights there, in TensorFlow.js's Layers format.`);
}
