// The messages between the playground's page (site/playground.ts: the DOM, the drawing canvas)
// and its worker (site/worker.ts: deeptype, the cells, the model, training). The page never
// runs a kernel, so it stays responsive while the worker trains.

/** The page asks. */
export type Command =
  | { type: 'train'; epochs: number; samples: number }
  /** A 28x28 drawing, values in [0, 1], row by row. */
  | { type: 'predict'; id: number; pixels: Float32Array }
  /** Serializes the model: to the page (which offers the download) or into IndexedDB. */
  | { type: 'save'; to: 'download' | 'indexeddb' }
  | { type: 'load'; from: 'file'; name: string; text: string }
  | { type: 'load'; from: 'indexeddb' };

/** The worker answers. `cell` is an index into CELLS. */
export type Report =
  | { type: 'threads'; threads: number; isolated: boolean }
  | { type: 'cell'; cell: number; state: 'running' | 'done' | 'error' }
  | { type: 'print'; cell: number; text: string }
  | { type: 'figure'; cell: number; svg: string }
  | { type: 'ready' }
  | { type: 'epoch-begin'; epoch: number; epochs: number }
  /** One training batch: Keras's progress line and the running loss and accuracy. */
  | { type: 'batch'; x: number; loss: number; acc: number; line: string }
  /** The loss and accuracy curves so far, drawn by deeptype's plotting (sent a few times a second). */
  | { type: 'curves'; svg: string; points: number }
  | { type: 'epoch-end'; epoch: number; seconds: number; samples: number; threads: number }
  | { type: 'trained' }
  /** The ten probabilities of a drawing and the first layer's feature maps of it. */
  | { type: 'prediction'; id: number; p: number[]; maps: string; trained: boolean; training: boolean }
  | { type: 'saved'; to: 'download' | 'indexeddb'; text?: string }
  | { type: 'loaded'; from: string }
  | { type: 'error'; where: string; message: string };
