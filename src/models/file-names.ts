// Which names model.save accepts: shared by save itself and ModelCheckpoint (which checks at
// construction, not after an epoch of training).

/**
 * Keras file names: '.keras' and '.h5' save in Keras's formats (io/keras-files.ts), but a
 * weights-only name ('.weights.h5', '.weights.json') cannot hold a whole model: refused, with
 * what to do, rather than writing something else under that name.
 */
export function refuseKerasFileName(path: string, what: string): void {
  if (!/\.weights\.(h5|json)$/i.test(path)) return;
  throw new Error(`${what}: '${path}' names a Keras weights-only file, which cannot hold a whole model. ` +
    `Name the model '${path.replace(/\.weights\.(h5|json)$/i, '.keras')}' (Keras 3) or '.h5' (Keras 2), or save the weights alone with model.saveWeights('${path}')`);
}
