// Which names model.save accepts: shared by save itself and ModelCheckpoint (which checks at
// construction, not after an epoch of training).

/**
 * A Keras file name (.keras, .h5) asks for a file deeptype cannot write yet: refused, rather
 * than writing a TensorFlow.js directory under that name.
 */
export function refuseKerasFileName(path: string, what: string): void {
  const ext = /\.(keras|h5|hdf5)$/i.exec(path)?.[1];
  if (!ext) return;
  throw new Error(`${what}: '${path}' names a Keras .${ext.toLowerCase()} file, which deeptype cannot write yet. ` +
    `Give a directory name instead (e.g. '${path.replace(/\.(keras|h5|hdf5)$/i, '')}'): deeptype saves model.json and its weights there, in TensorFlow.js's Layers format.`);
}
