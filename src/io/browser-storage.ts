// Models kept in the browser, in TensorFlow.js's own layout so that either library loads what
// the other saved on the same page origin: 'localstorage://name' (keys
// tensorflowjs_models/<name>/{info,model_topology,weight_specs,weight_data,model_metadata}, the
// weights as base64) and 'indexeddb://name' (database 'tensorflowjs', stores 'models_store' and
// 'model_info_store' keyed by modelPath). Unlike TF.js, a save that fails (a full quota) leaves
// the model saved before under that name as it was. Also io.listModels/removeModel/copyModel/moveModel.
import { artifactsInfo, joinWeightData, type IOHandler, type ModelArtifacts, type ModelArtifactsInfo, type SaveResult } from './artifacts.ts';
import { describe } from './describe.ts';

const PREFIX = 'tensorflowjs_models';
const PARTS = { info: 'info', topology: 'model_topology', weightSpecs: 'weight_specs', weightData: 'weight_data', metadata: 'model_metadata' } as const;
const keysOf = (path: string) => Object.fromEntries(Object.entries(PARTS).map(([k, v]) => [k, `${PREFIX}/${path}/${v}`])) as Record<keyof typeof PARTS, string>;

function checkPath(path: unknown, scheme: string): string {
  if (typeof path !== 'string' || path.length === 0) throw new Error(`${scheme}: a model needs a name (${scheme}my-model), got ${describe(path)}`);
  return path;
}

function storage(where: string): Storage {
  const ls = (globalThis as { localStorage?: Storage }).localStorage;
  if (!ls) throw new Error(`${where}: local storage is not available here (it is a browser's); in Node, save to a directory: model.save('dir')`);
  return ls;
}

// Base64 by chunks: String.fromCharCode(...bytes) of a whole model overflows the call stack.
function toBase64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}
function fromBase64(text: string, where: string): ArrayBuffer {
  let s: string;
  try { s = atob(text); } catch { throw new Error(`${where}: the stored weights are not base64`); }
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out.buffer;
}

/** A model in window.localStorage (TF.js's tf.io.browserLocalStorage, 'localstorage://name'). */
export function browserLocalStorage(modelPath: string): IOHandler {
  const path = checkPath(modelPath, 'localstorage://');
  const where = `localstorage://${path}`;
  const keys = keysOf(path);
  return {
    async save(a: ModelArtifacts): Promise<SaveResult> {
      const ls = storage(where);
      const info = artifactsInfo(a);
      const values: [string, string][] = [
        [keys.info, JSON.stringify(info)],
        [keys.topology, JSON.stringify(a.modelTopology)],
        [keys.weightSpecs, JSON.stringify(a.weightSpecs ?? [])],
        [keys.weightData, toBase64(joinWeightData(a.weightData))],
        [keys.metadata, JSON.stringify({ format: a.format, generatedBy: a.generatedBy, convertedBy: a.convertedBy, trainingConfig: a.trainingConfig, userDefinedMetadata: a.userDefinedMetadata })],
      ];
      const before = values.map(([k]) => [k, ls.getItem(k)] as const);
      try {
        for (const [k, v] of values) ls.setItem(k, v);
      } catch (e) {
        // Put back what was there: a failed save must not cost the model saved before.
        for (const [k, v] of before) { if (v === null) ls.removeItem(k); else ls.setItem(k, v); }
        throw new Error(`${where}: saving failed (${(e as Error).message}); the storage quota is a likely cause: ` +
          `${info.weightDataBytes} bytes of weights take ${Math.ceil((info.weightDataBytes ?? 0) / 3) * 4} characters as base64. ` +
          'Try indexeddb://, which stores bytes as they are; anything saved under this name before is unchanged');
      }
      return { modelArtifactsInfo: info };
    },
    async load(): Promise<ModelArtifacts> {
      const ls = storage(where);
      const get = (k: string, what: string): unknown => {
        const v = ls.getItem(k);
        if (v === null) throw new Error(`${where}: its ${what} is missing from local storage`);
        try { return JSON.parse(v); } catch { throw new Error(`${where}: its ${what} in local storage is not valid JSON`); }
      };
      if (ls.getItem(keys.info) === null) {
        throw new Error(`${where}: no model of that name in local storage (it holds: ${Object.keys(listLocal(ls)).join(', ') || 'none'})`);
      }
      const info = get(keys.info, 'info') as ModelArtifactsInfo;
      if (info?.modelTopologyType !== 'JSON') throw new Error(`${where}: its topology is not JSON (a graph model); deeptype loads layers models`);
      const data = ls.getItem(keys.weightData);
      if (data === null) throw new Error(`${where}: its weight data is missing from local storage`);
      const meta = ls.getItem(keys.metadata) === null ? {} : get(keys.metadata, 'metadata') as Partial<ModelArtifacts>;
      return {
        ...meta,
        modelTopology: get(keys.topology, 'topology') as object,
        weightSpecs: get(keys.weightSpecs, 'weight specs') as ModelArtifacts['weightSpecs'],
        weightData: fromBase64(data, where),
      };
    },
  };
}

function listLocal(ls: Storage): Record<string, ModelArtifactsInfo> {
  const out: Record<string, ModelArtifactsInfo> = {};
  for (let i = 0; i < ls.length; i++) {
    const k = ls.key(i);
    if (!k?.startsWith(`${PREFIX}/`) || !k.endsWith(`/${PARTS.info}`)) continue;
    const name = k.slice(PREFIX.length + 1, -PARTS.info.length - 1);
    try { out[name] = JSON.parse(ls.getItem(k)!) as ModelArtifactsInfo; } catch { /* not ours to judge: skipped */ }
  }
  return out;
}

const DB = 'tensorflowjs', MODELS = 'models_store', INFOS = 'model_info_store';

function database(where: string): Promise<IDBDatabase> {
  const idb = (globalThis as { indexedDB?: IDBFactory }).indexedDB;
  if (!idb) return Promise.reject(new Error(`${where}: IndexedDB is not available here (it is a browser's); in Node, save to a directory: model.save('dir')`));
  return new Promise((resolve, reject) => {
    const open = idb.open(DB, 1);
    open.onupgradeneeded = () => {
      open.result.createObjectStore(MODELS, { keyPath: 'modelPath' });
      open.result.createObjectStore(INFOS, { keyPath: 'modelPath' });
    };
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => reject(new Error(`${where}: cannot open IndexedDB (${open.error?.message})`));
  });
}

/** One transaction over both stores: it commits whole or not at all. */
async function transact<T>(where: string, mode: IDBTransactionMode, work: (models: IDBObjectStore, infos: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const db = await database(where);
  try {
    return await new Promise<T>((resolve, reject) => {
      const tx = db.transaction([MODELS, INFOS], mode);
      const req = work(tx.objectStore(MODELS), tx.objectStore(INFOS));
      tx.oncomplete = () => resolve(req.result);
      tx.onabort = tx.onerror = () => reject(new Error(`${where}: ${tx.error?.message ?? req.error?.message ?? 'the transaction failed'}; anything saved under this name before is unchanged`));
    });
  } finally { db.close(); }
}

/** A model in IndexedDB (TF.js's tf.io.browserIndexedDB, 'indexeddb://name'). */
export function browserIndexedDB(modelPath: string): IOHandler {
  const path = checkPath(modelPath, 'indexeddb://');
  const where = `indexeddb://${path}`;
  return {
    async save(a: ModelArtifacts): Promise<SaveResult> {
      const modelArtifactsInfo = artifactsInfo(a);
      const modelArtifacts = { ...a, weightData: joinWeightData(a.weightData).buffer };
      await transact(where, 'readwrite', (models, infos) => {
        infos.put({ modelPath: path, modelArtifactsInfo });
        return models.put({ modelPath: path, modelArtifacts, modelArtifactsInfo });
      });
      return { modelArtifactsInfo };
    },
    async load(): Promise<ModelArtifacts> {
      const record = await transact(where, 'readonly', (models) => models.get(path)) as { modelArtifacts?: ModelArtifacts } | undefined;
      if (!record?.modelArtifacts) throw new Error(`${where}: no model of that name in IndexedDB (it holds: ${Object.keys(await listIndexedDB()).join(', ') || 'none'})`);
      return record.modelArtifacts;
    },
  };
}

async function listIndexedDB(): Promise<Record<string, ModelArtifactsInfo>> {
  const rows = await transact('indexeddb://', 'readonly', (_, infos) => infos.getAll()) as { modelPath: string; modelArtifactsInfo: ModelArtifactsInfo }[];
  return Object.fromEntries(rows.map((r) => [r.modelPath, r.modelArtifactsInfo]));
}

type StoreScheme = 'localstorage://' | 'indexeddb://';
function parseStoreUrl(url: unknown, what: string): [StoreScheme, string] {
  const m = typeof url === 'string' ? /^(localstorage:\/\/|indexeddb:\/\/)(.+)$/i.exec(url) : null;
  if (!m) throw new Error(`io.${what}: expected 'localstorage://name' or 'indexeddb://name', got ${describe(url)}`);
  return [m[1].toLowerCase() as StoreScheme, m[2]];
}
const handlerOf = ([scheme, path]: [StoreScheme, string]): IOHandler => (scheme === 'localstorage://' ? browserLocalStorage(path) : browserIndexedDB(path));

/** Every model saved in the page's stores, by URL, with its info (TF.js's tf.io.listModels). */
export async function listModels(): Promise<Record<string, ModelArtifactsInfo>> {
  const out: Record<string, ModelArtifactsInfo> = {};
  const ls = (globalThis as { localStorage?: Storage }).localStorage;
  if (ls) for (const [k, v] of Object.entries(listLocal(ls))) out[`localstorage://${k}`] = v;
  if ((globalThis as { indexedDB?: IDBFactory }).indexedDB) for (const [k, v] of Object.entries(await listIndexedDB())) out[`indexeddb://${k}`] = v;
  return out;
}

/** Deletes a saved model and returns its info; an error if there is none of that name. */
export async function removeModel(url: string): Promise<ModelArtifactsInfo> {
  const [scheme, path] = parseStoreUrl(url, 'removeModel');
  const info = (await listModels())[`${scheme}${path}`];
  if (!info) throw new Error(`io.removeModel: no model at ${url}`);
  if (scheme === 'localstorage://') {
    const ls = storage(url);
    for (const k of Object.values(keysOf(path))) ls.removeItem(k);
  } else {
    await transact(url, 'readwrite', (models, infos) => { infos.delete(path); return models.delete(path); });
  }
  return info;
}

/** Copies a saved model to another name or store (TF.js's tf.io.copyModel). */
export async function copyModel(sourceUrl: string, destUrl: string): Promise<ModelArtifactsInfo> {
  const from = parseStoreUrl(sourceUrl, 'copyModel'), to = parseStoreUrl(destUrl, 'copyModel');
  const artifacts = await handlerOf(from).load!();
  return (await handlerOf(to).save!(artifacts)).modelArtifactsInfo;
}

/** Moves a saved model (copy, then remove the source unless it is the same place). */
export async function moveModel(sourceUrl: string, destUrl: string): Promise<ModelArtifactsInfo> {
  const from = parseStoreUrl(sourceUrl, 'moveModel'), to = parseStoreUrl(destUrl, 'moveModel');
  const info = await copyModel(sourceUrl, destUrl);
  if (from[0] !== to[0] || from[1] !== to[1]) await removeModel(sourceUrl);
  return info;
}
