// Errors that callers are expected to catch and act on (not just report).

const MB = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MB`;
export const formatBytes = MB;

/**
 * A request for backend memory beyond what is left under its limit. Raised before anything is
 * written, so the caller may retry with less (predict and evaluate split the batch).
 */
export class MemoryLimitError extends RangeError {
  override readonly name = 'MemoryLimitError';
  /** Whether the message already says what to do in the caller's terms (not the backend's). */
  readonly explained: boolean;
  constructor(
    /** Bytes asked for. */ readonly requested: number,
    /** Bytes still free under the limit when it was asked. */ readonly free: number,
    /** The backend's whole limit, in bytes. */ readonly limit: number,
    message?: string,
  ) {
    super(message ?? `wasm backend: out of memory: ${MB(requested)} more were asked for, but only ${MB(free)} of the ` +
      `${MB(limit)} WebAssembly memory limit are free (the rest holds weights, compiled steps and this call's tensors). ` +
      `Use a smaller batchSize for fit/evaluate/predict, or work on smaller tensors (split them along axis 0).`);
    this.explained = message !== undefined;
  }
}
