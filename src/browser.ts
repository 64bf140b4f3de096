// deeptype for browsers (the package's `browser` export; `npm run build:browser` bundles it
// into one file): everything the Node entry has; what needs the file system (datasets'
// loadData/readIdx, model.save/loadModel of files and folders - URLs and IO handlers work -,
// exportOnnx, savefig, Report) throws an error saying so, and figures are drawn as SVG
// (toSVG()). The wasm kernels use all cores on a cross-origin isolated page (COOP:
// same-origin, COEP: require-corp), one thread elsewhere; `await ready()` before the first op.
export * from './api.ts';
export * as utils from './utils/browser.ts'; // images from Files, Blobs and URLs, decoded by the browser
// TF.js's IO handlers (localstorage://, indexeddb://, downloads://, http(s)://, files, memory)
// and Keras's .keras / .h5 files from an ArrayBuffer, a File or a Blob, and to bytes.
export * as io from './io/portable.ts';
