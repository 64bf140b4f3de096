// The wasm module's memory: one WebAssembly.Memory (shared when threads are possible) and a
// stack allocator over it. Long-lived buffers (a training plan's arena) are taken from the
// bottom; a kernel call's scratch is taken above them and released when the call returns.
import { RELAXED, SHARED, SINGLE, SINGLE_RELAXED } from './generated/kernels.ts';
import { MemoryLimitError } from '../../core/errors.ts';

export const PAGE = 65536;
// 2 GiB. WebAssembly's 32-bit memories may reach 4 GiB, but kernel arguments cross into wasm
// and through the thread pool's Int32Array as signed 32-bit offsets, so offsets stay below 2^31.
const MAX_PAGES = 32768;
/** The most bytes of WebAssembly memory the backend uses. */
export const MEMORY_LIMIT = MAX_PAGES * PAGE;
const align16 = (n: number): number => Math.ceil(n / 16) * 16; // no bitwise ops: they wrap at 2^31
const BASE = 1 << 20; // below: AssemblyScript's static data and stack

function decode(b64: string): Uint8Array<ArrayBuffer> {
  if (typeof Buffer !== 'undefined') return new Uint8Array(Buffer.from(b64, 'base64'));
  const bin = atob(b64);
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

/** Shared memory needs SharedArrayBuffer (in browsers: a cross-origin isolated page). */
export const canShareMemory = (): boolean =>
  typeof SharedArrayBuffer !== 'undefined' && (typeof globalThis.crossOriginIsolated === 'undefined' || globalThis.crossOriginIsolated);

/**
 * Whether this runtime runs relaxed SIMD (one fused multiply-add). Node 20 has it behind a V8
 * flag, which can be set from inside the process before the first module is compiled.
 */
let relaxed: boolean | undefined;
export function hasRelaxedSimd(): boolean {
  if (relaxed !== undefined) return relaxed;
  const probe = decode(SINGLE_RELAXED); // plain memory: validates without SharedArrayBuffer too
  relaxed = WebAssembly.validate(probe);
  if (!relaxed && typeof process !== 'undefined' && process.versions?.node && process.env.DEEPTYPE_RELAXED_SIMD !== '0') {
    try {
      process.getBuiltinModule?.('node:v8')?.setFlagsFromString('--experimental-wasm-relaxed-simd');
      relaxed = WebAssembly.validate(probe);
    } catch { relaxed = false; }
  }
  if (typeof process !== 'undefined' && process.env?.DEEPTYPE_RELAXED_SIMD === '0') relaxed = false;
  return relaxed;
}

export type KernelExports = Record<string, (...args: number[]) => void>;

export class WasmMemory {
  readonly memory: WebAssembly.Memory;
  readonly module: WebAssembly.Module;
  readonly exports: KernelExports;
  readonly shared: boolean;
  /** Whether the kernels use relaxed SIMD's fused multiply-add. */
  readonly relaxed: boolean;
  private top = BASE;
  /**
   * The most bytes this memory may use: MEMORY_LIMIT, or less (DEEPTYPE_WASM_MEMORY_MB, or set
   * directly) where a page or a test must stay small.
   */
  limit = Math.min(MEMORY_LIMIT, (Number(typeof process !== 'undefined' ? process.env?.DEEPTYPE_WASM_MEMORY_MB : NaN) * 2 ** 20) || MEMORY_LIMIT);

  /** The kernels' bytes for this runtime: shared or plain memory, relaxed SIMD when it can. */
  static moduleBytes(shared: boolean): Uint8Array<ArrayBuffer> {
    const relaxed = hasRelaxedSimd();
    return decode(shared ? (relaxed ? RELAXED : SHARED) : relaxed ? SINGLE_RELAXED : SINGLE);
  }

  /**
   * `module` may come compiled already: browsers refuse to compile a module this size
   * synchronously on their main thread, so there it is compiled with WebAssembly.compile first.
   */
  constructor(shared = canShareMemory(), module?: WebAssembly.Module) {
    this.shared = shared;
    this.memory = new WebAssembly.Memory({ initial: 32, maximum: MAX_PAGES, shared } as WebAssembly.MemoryDescriptor);
    this.relaxed = hasRelaxedSimd();
    this.module = module ?? new WebAssembly.Module(WasmMemory.moduleBytes(shared));
    const instance = new WebAssembly.Instance(this.module, { env: { memory: this.memory, abort: () => { throw new Error('wasm abort'); } } });
    this.exports = instance.exports as unknown as KernelExports;
  }

  // Growing a shared memory gives memory.buffer a new (longer) buffer object while views on
  // the old ones stay valid, so ownership is remembered per buffer object handed out.
  private readonly buffers = new WeakSet<ArrayBufferLike>();

  get buffer(): ArrayBufferLike {
    const b = this.memory.buffer;
    this.buffers.add(b);
    return b;
  }

  /** True when the array is a view into this memory (so a kernel can use it in place). */
  owns(a: ArrayBufferView): boolean { return this.buffers.has(a.buffer); }

  /** Reserves bytes (16-byte aligned) at the top of the stack; returns the byte offset. */
  reserve(bytes: number): number {
    const at = this.top;
    const top = align16(at + bytes);
    // Checked before anything moves, so a caller can catch the error and ask for less.
    if (!Number.isFinite(top) || top > this.limit) throw new MemoryLimitError(bytes, this.limit - at, this.limit);
    const needed = Math.ceil(top / PAGE) - this.memory.buffer.byteLength / PAGE;
    if (needed > 0) {
      try { this.memory.grow(needed); } catch { throw new MemoryLimitError(bytes, this.memory.buffer.byteLength - at, this.limit); }
    }
    this.top = top;
    if (top > this.peak) this.peak = top;
    return at;
  }
  /** The highest top of the stack since resetPeak(): what a trace run needed at most. */
  peak = BASE;
  resetPeak(): void { this.peak = this.top; }
  // The shared workspace of compiled plans: grown in place when it is the top of the stack.
  private ws = { base: 0, size: 0, version: 0 };
  workspace(bytes: number): { base: number; version: number } {
    if (this.overWorkspace !== null) throw new Error('internal error: a compiled step ran while another was being traced over the workspace');
    if (this.ws.size >= bytes) return this.ws;
    if (this.ws.size > 0 && this.workspaceOnTop()) {
      this.reserve(bytes - this.ws.size);
    } else {
      // Plan constants taken since pin the old workspace below them, so it is left behind; a
      // new one gets half again as much room, so ever larger batches leave few behind.
      const roomy = Math.max(bytes, Math.ceil(this.ws.size * 1.5));
      try { this.ws.base = this.reserve(roomy); bytes = roomy; } catch { this.ws.base = this.reserve(bytes); }
    }
    this.ws = { base: this.ws.base, size: bytes, version: this.ws.version + 1 };
    return this.ws;
  }

  /**
   * Marks the stack for a trace run that may take its space over the workspace: when the
   * workspace is the top of the stack and none of `keep` lies in it, the top moves down to the
   * workspace's base and its version changes (plans then copy their constants back in), so a
   * trace needs max(workspace, trace) bytes instead of their sum. release(mark) restores the top.
   */
  beginOverWorkspace(keep: readonly ArrayBufferView[]): number {
    const mark = this.top, { base, size } = this.ws;
    const inWorkspace = (a: ArrayBufferView): boolean => this.owns(a) && a.byteOffset < base + size && a.byteOffset + a.byteLength > base;
    if (size > 0 && this.workspaceOnTop() && !keep.some(inWorkspace)) {
      this.top = base;
      this.ws = { base, size, version: this.ws.version + 1 };
      this.overWorkspace = mark;
    }
    return mark;
  }
  /** Whether the workspace ends at the top of the stack (reserve() rounds its end up to 16 bytes). */
  private workspaceOnTop(): boolean { return align16(this.ws.base + this.ws.size) === this.top; }
  /** The mark of the trace run that has the workspace's space, if one has. */
  private overWorkspace: number | null = null;

  mark(): number { return this.top; }
  release(mark: number): void {
    this.top = mark;
    if (mark === this.overWorkspace) this.overWorkspace = null;
  }

  f32(offset: number, length: number): Float32Array { return new Float32Array(this.buffer, offset, length); }
  i32(offset: number, length: number): Int32Array { return new Int32Array(this.buffer, offset, length); }
}
