// Makes the two backends available and picks the default: wasm, or the reference backend
// where wasm cannot be compiled synchronously (a browser's main thread) until `await ready()`
// has compiled it; DEEPTYPE_BACKEND=js|wasm overrides. Loaded first by the entry points.
import { preparing, registerBackend, setBackend } from '../core/engine.ts';
import { JsBackend } from './js/index.ts';
import { WasmBackend } from './wasm/index.ts';

registerBackend('js', () => new JsBackend());
registerBackend('wasm', () => new WasmBackend());

const chosen = typeof process !== 'undefined' ? process.env.DEEPTYPE_BACKEND : undefined;
if (chosen) setBackend(chosen);
else {
  try {
    setBackend('wasm');
  } catch {
    setBackend('js');
    preparing('wasm', WasmBackend.create());
  }
}
