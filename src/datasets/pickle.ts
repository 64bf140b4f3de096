// A small reader for Python pickles as the CIFAR batches are (Python 2 cPickle, protocol 2, and
// the protocol 2-4 files Python 3 writes): dicts, lists, tuples, strings, ints and NumPy arrays.
// Only the globals NumPy arrays need are allowed; anything else is an error, never executed.
import { Tensor } from '../core/tensor.ts';
import type { DType } from '../core/dtype.ts';

export type PyValue = null | boolean | number | string | Uint8Array | PyValue[] | Map<string, PyValue> | Tensor | PyObject;
class PyObject { constructor(readonly kind: string, public args: PyValue[] = [], public state: PyValue = null) {} }
const MARK = Symbol('mark');

const NUMPY_TYPES: Record<string, { dtype: DType; size: number; read: (v: DataView, o: number, le: boolean) => number }> = {
  u1: { dtype: 'uint8', size: 1, read: (v, o) => v.getUint8(o) },
  i1: { dtype: 'int32', size: 1, read: (v, o) => v.getInt8(o) },
  i2: { dtype: 'int32', size: 2, read: (v, o, le) => v.getInt16(o, le) },
  u2: { dtype: 'int32', size: 2, read: (v, o, le) => v.getUint16(o, le) },
  i4: { dtype: 'int32', size: 4, read: (v, o, le) => v.getInt32(o, le) },
  i8: { dtype: 'int32', size: 8, read: (v, o, le) => Number(v.getBigInt64(o, le)) },
  f4: { dtype: 'float32', size: 4, read: (v, o, le) => v.getFloat32(o, le) },
  f8: { dtype: 'float64', size: 8, read: (v, o, le) => v.getFloat64(o, le) },
};

/** A NumPy array's raw bytes as a tensor ('<u1', '|u1', '>i4', ...; C order). */
export function numpyToTensor(descr: string, shape: number[], bytes: Uint8Array, what: string): Tensor {
  const little = descr[0] !== '>';
  const code = descr.replace(/^[<>|=]/, '');
  const type = NUMPY_TYPES[code];
  if (!type) throw new Error(`${what}: NumPy dtype '${descr}' is not supported`);
  const count = shape.reduce((a, b) => a * b, 1);
  if (bytes.length !== count * type.size) throw new Error(`${what}: array of shape [${shape}] and dtype ${descr} needs ${count * type.size} bytes, got ${bytes.length}`);
  if (type.dtype === 'uint8') return new Tensor(bytes.slice(), shape);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new ({ int32: Int32Array, float32: Float32Array, float64: Float64Array } as const)[type.dtype as 'int32'](count);
  for (let i = 0; i < count; i++) out[i] = type.read(view, i * type.size, little);
  return new Tensor(out, shape);
}

const latin1 = (b: Uint8Array): string => { let s = ''; for (let i = 0; i < b.length; i += 8192) s += String.fromCharCode(...b.subarray(i, i + 8192)); return s; };
const fromLatin1 = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));

/** Dict keys as strings (Python 2 str / bytes keys read as latin-1, as pickle.load(encoding='bytes') then .decode()). */
const keyOf = (k: PyValue): string => (k instanceof Uint8Array ? latin1(k) : String(k));

export function unpickle(bytes: Uint8Array, name: string): PyValue {
  const fail = (why: string): never => { throw new Error(`pickle ${name}: ${why}`); };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const stack: (PyValue | typeof MARK)[] = [];
  const memo = new Map<number, PyValue>();
  let pos = 0;
  const need = (n: number): void => { if (pos + n > bytes.length) fail(`truncated at byte ${pos}`); };
  const u8 = (): number => { need(1); return bytes[pos++]; };
  const u16 = (): number => { need(2); const v = view.getUint16(pos, true); pos += 2; return v; };
  const u32 = (): number => { need(4); const v = view.getUint32(pos, true); pos += 4; return v; };
  const take = (n: number): Uint8Array => { need(n); const b = bytes.subarray(pos, pos + n); pos += n; return b; };
  const line = (): string => { const end = bytes.indexOf(10, pos); if (end < 0) fail('truncated line'); const s = latin1(bytes.subarray(pos, end)); pos = end + 1; return s; };
  const pop = (): PyValue => { const v = stack.pop(); if (v === undefined || v === MARK) fail('stack underflow'); return v as PyValue; };
  const popMark = (): PyValue[] => { const i = stack.lastIndexOf(MARK); if (i < 0) fail('no mark'); const items = stack.splice(i) as PyValue[]; items.shift(); return items; };
  const top = (): PyValue => stack[stack.length - 1] as PyValue;
  const utf8 = (b: Uint8Array): string => new TextDecoder().decode(b);
  const global = (module: string, attr: string): PyValue => {
    const full = `${module}.${attr}`;
    const allowed = ['numpy.core.multiarray._reconstruct', 'numpy._core.multiarray._reconstruct', 'numpy.ndarray', 'numpy.dtype', '_codecs.encode', 'copy_reg._reconstructor', 'copyreg._reconstructor', '__builtin__.object', 'builtins.object'];
    if (!allowed.includes(full)) fail(`refusing to load the global ${full} (only NumPy arrays are read)`);
    return new PyObject(`global:${full}`);
  };
  const call = (fn: PyValue, args: PyValue[]): PyValue => {
    const kind = fn instanceof PyObject ? fn.kind : '';
    if (kind.endsWith('_codecs.encode')) return fromLatin1(String(args[0]));
    if (kind.endsWith('multiarray._reconstruct')) return new PyObject('ndarray');
    if (kind === 'global:numpy.dtype') return new PyObject('dtype', args);
    return new PyObject(kind.slice(7), args);
  };
  const build = (obj: PyValue, state: PyValue): PyValue => {
    if (!(obj instanceof PyObject)) fail('BUILD on a plain value');
    const o = obj as PyObject;
    if (o.kind === 'dtype') { o.state = state; return o; }
    if (o.kind === 'ndarray') {
      const [, shape, dtype, fortran, raw] = state as PyValue[];
      const d = dtype as PyObject;
      const code = String(d.args[0] instanceof Uint8Array ? latin1(d.args[0]) : d.args[0]);
      const order = d.state instanceof Array && typeof d.state[1] === 'string' ? d.state[1] : '<';
      if (fortran) fail('Fortran-ordered arrays are not supported');
      const data = raw instanceof Uint8Array ? raw : typeof raw === 'string' ? fromLatin1(raw) : fail('an array of Python objects is not supported');
      return numpyToTensor(`${order}${code}`, (shape as number[]).map(Number), data as Uint8Array, `pickle ${name}`);
    }
    o.state = state;
    return o;
  };
  for (;;) {
    const op = u8();
    switch (op) {
      case 0x80: u8(); break; // PROTO
      case 0x95: take(8); break; // FRAME
      case 0x2e: return pop(); // STOP
      case 0x28: stack.push(MARK); break;
      case 0x7d: stack.push(new Map()); break; // EMPTY_DICT
      case 0x5d: stack.push([]); break; // EMPTY_LIST
      case 0x29: stack.push([]); break; // EMPTY_TUPLE
      case 0x4e: stack.push(null); break;
      case 0x88: stack.push(true); break;
      case 0x89: stack.push(false); break;
      case 0x4b: stack.push(u8()); break; // BININT1
      case 0x4d: stack.push(u16()); break; // BININT2
      case 0x4a: { need(4); stack.push(view.getInt32(pos, true)); pos += 4; break; } // BININT
      case 0x8a: { // LONG1
        const n = u8(); const b = take(n); let v = 0n;
        for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
        if (n > 0 && b[n - 1] & 0x80) v -= 1n << BigInt(8 * n);
        stack.push(Number(v)); break;
      }
      case 0x47: { need(8); stack.push(view.getFloat64(pos, false)); pos += 8; break; } // BINFLOAT
      case 0x49: { const s = line(); stack.push(s === '01' ? true : s === '00' ? false : Number(s)); break; } // INT
      case 0x55: stack.push(take(u8())); break; // SHORT_BINSTRING (Python 2 str: bytes)
      case 0x54: stack.push(take(u32())); break; // BINSTRING
      case 0x43: stack.push(take(u8())); break; // SHORT_BINBYTES
      case 0x42: stack.push(take(u32())); break; // BINBYTES
      case 0x8c: stack.push(utf8(take(u8()))); break; // SHORT_BINUNICODE
      case 0x58: stack.push(utf8(take(u32()))); break; // BINUNICODE
      case 0x71: memo.set(u8(), top()); break; // BINPUT
      case 0x72: memo.set(u32(), top()); break; // LONG_BINPUT
      case 0x94: memo.set(memo.size, top()); break; // MEMOIZE
      case 0x68: { const k = u8(); memo.has(k) || fail(`missing memo ${k}`); stack.push(memo.get(k)!); break; } // BINGET
      case 0x6a: { const k = u32(); memo.has(k) || fail(`missing memo ${k}`); stack.push(memo.get(k)!); break; } // LONG_BINGET
      case 0x63: { const module = line(); stack.push(global(module, line())); break; } // GLOBAL
      case 0x93: { const attr = pop(); stack.push(global(String(pop()), String(attr))); break; } // STACK_GLOBAL
      case 0x74: stack.push(popMark()); break; // TUPLE
      case 0x85: stack.push([pop()]); break; // TUPLE1
      case 0x86: { const b = pop(); stack.push([pop(), b]); break; }
      case 0x87: { const c = pop(), b = pop(); stack.push([pop(), b, c]); break; }
      case 0x6c: stack.push(popMark()); break; // LIST
      case 0x61: { const v = pop(); (top() as PyValue[]).push(v); break; } // APPEND
      case 0x65: { const items = popMark(); (top() as PyValue[]).push(...items); break; } // APPENDS
      case 0x73: { const v = pop(), k = pop(); (top() as Map<string, PyValue>).set(keyOf(k), v); break; } // SETITEM
      case 0x75: { const items = popMark(); const d = top() as Map<string, PyValue>; for (let i = 0; i < items.length; i += 2) d.set(keyOf(items[i]), items[i + 1]); break; } // SETITEMS
      case 0x64: { const items = popMark(); const d = new Map<string, PyValue>(); for (let i = 0; i < items.length; i += 2) d.set(keyOf(items[i]), items[i + 1]); stack.push(d); break; } // DICT
      case 0x52: { const args = pop() as PyValue[]; stack.push(call(pop(), args)); break; } // REDUCE
      case 0x81: { const args = pop() as PyValue[]; stack.push(call(pop(), args)); break; } // NEWOBJ
      case 0x62: { const state = pop(); stack.push(build(pop(), state)); break; } // BUILD
      default: fail(`unsupported opcode 0x${op.toString(16)} at byte ${pos - 1}`);
    }
  }
}
