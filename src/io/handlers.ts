// TensorFlow.js's IO handlers, by the same names and URL schemes, so that model.save(url) and
// loadLayersModel(url) port unchanged: io.fromMemory, io.withSaveHandler, io.http
// ('http://', 'https://'), io.browserFiles, io.browserDownloads ('downloads://'), and the
// browser stores in io/browser-storage.ts ('localstorage://', 'indexeddb://'). Each speaks
// ModelArtifacts (io/artifacts.ts). No node: imports: browsers load this; Node has fetch too.
import { artifactsInfo, joinWeightData, type IOHandler, type ModelArtifacts, type SaveResult } from './artifacts.ts';
import { groupBytes, type WeightsGroup } from './weights.ts';
import { describe } from './describe.ts';
import { checkKnownOptions } from '../core/options.ts';
import { browserIndexedDB, browserLocalStorage } from './browser-storage.ts';

export type { IOHandler, ModelArtifacts, SaveResult } from './artifacts.ts';

/** A handler whose load() returns these artifacts (TF.js's tf.io.fromMemory, both spellings). */
export function fromMemory(artifacts: ModelArtifacts | object, weightSpecs?: ModelArtifacts['weightSpecs'], weightData?: ArrayBuffer, trainingConfig?: object): IOHandler {
  if (typeof artifacts !== 'object' || artifacts === null) throw new Error(`io.fromMemory: expected model artifacts or a model topology, got ${describe(artifacts)}`);
  const isArtifacts = ['modelTopology', 'weightSpecs', 'weightData'].some((k) => k in artifacts);
  const a: ModelArtifacts = isArtifacts && weightSpecs === undefined
    ? artifacts as ModelArtifacts
    : { modelTopology: artifacts, weightSpecs, weightData, trainingConfig };
  return { load: async () => a };
}

/** A handler whose save(artifacts) is the given function (TF.js's tf.io.withSaveHandler). */
export function withSaveHandler(save: (artifacts: ModelArtifacts) => Promise<SaveResult> | SaveResult): IOHandler {
  if (typeof save !== 'function') throw new Error(`io.withSaveHandler: expected a function (artifacts) => SaveResult, got ${describe(save)}`);
  return { save: async (a) => save(a) };
}

export interface HttpOptions {
  /** fetch's options (method, headers, credentials...); body is the handler's own. */
  requestInit?: RequestInit;
  /** The fetch to use (default: globalThis.fetch). */
  fetchFunc?: typeof fetch;
  /** Where the weight files are, when not beside model.json. */
  weightPathPrefix?: string;
  /** Maps each weight file's name to the URL to fetch. */
  weightUrlConverter?: (weightFileName: string) => Promise<string>;
  /** Called with the fraction loaded (0..1) as weight files arrive. */
  onProgress?: (fraction: number) => void;
}
const HTTP_OPTIONS = ['requestInit', 'fetchFunc', 'weightPathPrefix', 'weightUrlConverter', 'onProgress'];

/** Each manifest group's shards hold exactly its weights' bytes (so that joining them cannot shift values between groups). */
function checkGroupSizes(manifest: WeightsGroup[], sizes: Map<string, number>, where: string): void {
  for (const g of manifest) {
    const expected = groupBytes(g.weights, where);
    const got = g.paths.reduce((n, p) => n + (sizes.get(p) ?? 0), 0);
    if (got !== expected) throw new Error(`${where}: weight files ${g.paths.join(', ')} hold ${got} bytes, but their ${g.weights.length} weights need ${expected}${got < expected ? ' (truncated?)' : ''}`);
  }
}

/** model.json's content parsed and checked for the two fields every layers model has. */
function parseModelJson(text: string, where: string): Record<string, unknown> & { weightsManifest: WeightsGroup[] } {
  let json: unknown;
  try { json = JSON.parse(text); } catch (e) { throw new Error(`${where} is not valid JSON (${(e as Error).message})`); }
  if (typeof json !== 'object' || json === null || Array.isArray(json) || !('modelTopology' in json)) throw new Error(`${where} is not a model: it has no modelTopology`);
  const manifest = (json as { weightsManifest?: unknown }).weightsManifest ?? [];
  if (!Array.isArray(manifest) || manifest.some((g) => !Array.isArray(g?.paths) || !Array.isArray(g?.weights))) {
    throw new Error(`${where}: weightsManifest must be a list of {paths, weights} groups`);
  }
  return { ...json, weightsManifest: manifest as WeightsGroup[] } as Record<string, unknown> & { weightsManifest: WeightsGroup[] };
}

/** Artifacts of a model.json and its shards (read in manifest order, sizes checked per group). */
function manifestArtifacts(json: Record<string, unknown> & { weightsManifest: WeightsGroup[] }, shards: Map<string, ArrayBuffer>, where: string): ModelArtifacts {
  checkGroupSizes(json.weightsManifest, new Map([...shards].map(([p, b]) => [p, b.byteLength])), where);
  const paths = json.weightsManifest.flatMap((g) => g.paths);
  return {
    modelTopology: json.modelTopology as object,
    weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
    weightData: joinWeightData(paths.map((p) => shards.get(p)!)).buffer as ArrayBuffer,
    format: json.format as string | undefined,
    generatedBy: json.generatedBy as string | undefined,
    convertedBy: json.convertedBy as string | null | undefined,
    trainingConfig: json.trainingConfig as object | undefined,
    userDefinedMetadata: json.userDefinedMetadata as object | undefined,
  };
}

/** The model.json of artifacts whose one weights file is `weightsPath`. */
function modelJsonOf(a: ModelArtifacts, weightsPath: string): Record<string, unknown> {
  return {
    modelTopology: a.modelTopology, format: a.format, generatedBy: a.generatedBy, convertedBy: a.convertedBy,
    ...(a.trainingConfig ? { trainingConfig: a.trainingConfig } : {}),
    ...(a.userDefinedMetadata ? { userDefinedMetadata: a.userDefinedMetadata } : {}),
    weightsManifest: [{ paths: [weightsPath], weights: a.weightSpecs ?? [] }],
  };
}

/**
 * A model over HTTP (TF.js's tf.io.http / browserHTTPRequest): load() fetches model.json and
 * then each weight file beside it (or under weightPathPrefix); save() POSTs a multipart form
 * with 'model.json' and 'model.weights.bin', as TF.js does. Works in Node (global fetch) too.
 */
export function http(url: string, options: HttpOptions = {}): IOHandler {
  const where = `io.http(${JSON.stringify(url)})`;
  if (typeof url !== 'string' || url.length === 0) throw new Error(`io.http: expected a URL string, got ${describe(url)}`);
  checkKnownOptions(options, HTTP_OPTIONS, where);
  const { requestInit = {}, weightPathPrefix, weightUrlConverter, onProgress } = options;
  if (requestInit.body != null) throw new Error(`${where}: requestInit.body is not allowed: the handler sends the model as the body`);
  const fetchFunc = options.fetchFunc ?? globalThis.fetch;
  if (typeof fetchFunc !== 'function') throw new Error(`${where}: no fetch function here; pass options.fetchFunc`);
  const get = async (u: string, what: string): Promise<Response> => {
    let res: Response;
    try { res = await fetchFunc(u, requestInit); } catch (e) { throw new Error(`${where}: fetching ${what} ${u} failed (${(e as Error).message})`); }
    if (!res.ok) throw new Error(`${where}: fetching ${what} ${u} failed with HTTP ${res.status} ${res.statusText}`);
    return res;
  };
  return {
    async load() {
      const json = parseModelJson(await (await get(url, 'model.json')).text(), `${where}: model.json at ${url}`);
      // Weight paths are relative to model.json's folder; its query string goes with each.
      const [path, query] = [url.replace(/\?.*$/, ''), url.includes('?') ? url.slice(url.indexOf('?')) : ''];
      const prefix = weightPathPrefix ?? path.slice(0, path.lastIndexOf('/') + 1);
      const paths = json.weightsManifest.flatMap((g) => g.paths);
      const shards = new Map<string, ArrayBuffer>();
      let done = 0;
      await Promise.all(paths.map(async (p) => {
        const u = weightUrlConverter ? await weightUrlConverter(p) : prefix + p + query;
        shards.set(p, await (await get(u, 'weights')).arrayBuffer());
        onProgress?.(++done / paths.length);
      }));
      return manifestArtifacts(json, shards, where);
    },
    async save(a) {
      const body = new FormData();
      body.append('model.json', new Blob([JSON.stringify(modelJsonOf(a, './model.weights.bin'))], { type: 'application/json' }), 'model.json');
      body.append('model.weights.bin', new Blob([joinWeightData(a.weightData)], { type: 'application/octet-stream' }), 'model.weights.bin');
      let res: Response;
      try { res = await fetchFunc(url, { method: 'POST', ...requestInit, body }); } catch (e) { throw new Error(`${where}: sending the model failed (${(e as Error).message})`); }
      if (!res.ok) throw new Error(`${where}: the server answered HTTP ${res.status} ${res.statusText}; the model was not saved`);
      return { modelArtifactsInfo: artifactsInfo(a), responses: [res] };
    },
  };
}
export const browserHTTPRequest = http;

const baseName = (p: string): string => p.slice(p.lastIndexOf('/') + 1);

/**
 * A model from File objects (an <input type=file multiple>'s files; TF.js's tf.io.browserFiles):
 * the first is model.json, the others its weight files, matched by file name.
 */
export function browserFiles(files: Blob[]): IOHandler {
  if (!Array.isArray(files) || files.length === 0) throw new Error(`io.browserFiles: expected a list of files (model.json first, then its weight files), got ${describe(files)}`);
  const name = (f: Blob, i: number): string => (f as File).name ?? `file ${i}`;
  const [jsonFile, ...weightFiles] = files;
  return {
    async load() {
      const where = `io.browserFiles: ${name(jsonFile, 0)}`;
      const json = parseModelJson(await jsonFile.text(), where);
      const byName = new Map(weightFiles.map((f, i) => [baseName(name(f, i + 1)), f]));
      const paths = json.weightsManifest.flatMap((g) => g.paths);
      const wanted = new Set<string>();
      const shards = new Map<string, ArrayBuffer>();
      for (const p of paths) {
        const b = baseName(p);
        if (wanted.has(b)) throw new Error(`${where}: two weight paths end in the same file name '${b}'; files are matched by name`);
        wanted.add(b);
        const f = byName.get(b);
        if (!f) throw new Error(`${where}: the weight file '${b}' it names was not given (given: ${[...byName.keys()].join(', ') || 'none'})`);
        shards.set(p, await f.arrayBuffer());
      }
      const extra = [...byName.keys()].filter((b) => !wanted.has(b));
      if (extra.length > 0) throw new Error(`${where}: the file '${extra[0]}' is not one of the weight files it names (${[...wanted].join(', ') || 'none'})`);
      return manifestArtifacts(json, shards, where);
    },
  };
}

/**
 * Saves by starting two downloads in the page: `<name>.json` and `<name>.weights.bin`
 * (TF.js's tf.io.browserDownloads, 'downloads://name').
 */
export function browserDownloads(fileNamePrefix = 'model'): IOHandler {
  if (typeof fileNamePrefix !== 'string' || fileNamePrefix.length === 0) throw new Error(`io.browserDownloads: the file name prefix must be a non-empty string, got ${describe(fileNamePrefix)}`);
  return {
    async save(a) {
      const doc = (globalThis as { document?: Document }).document;
      if (!doc) throw new Error(`downloads://${fileNamePrefix}: downloads need a browser page; in Node, save to a directory: model.save('${fileNamePrefix}')`);
      const weights = `${fileNamePrefix}.weights.bin`;
      const files: [string, Blob][] = [
        [`${fileNamePrefix}.json`, new Blob([JSON.stringify(modelJsonOf(a, `./${weights}`))], { type: 'application/json' })],
        [weights, new Blob([joinWeightData(a.weightData)], { type: 'application/octet-stream' })],
      ];
      for (const [file, blob] of files) {
        const link = doc.createElement('a');
        link.download = file;
        link.href = URL.createObjectURL(blob);
        link.dispatchEvent(new MouseEvent('click'));
      }
      return { modelArtifactsInfo: artifactsInfo(a) };
    },
  };
}

const inNode = (): boolean => typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === 'string';

const SCHEMES = ['localstorage://', 'indexeddb://', 'downloads://', 'http://', 'https://', 'file://'];

/**
 * The handler a save or load target names: a handler object as it is, a URL with one of
 * TF.js's schemes, in a browser a relative URL to load; undefined for a file path (and
 * file://) in Node, which the file code takes.
 */
export function handlerFor(target: unknown, mode: 'save' | 'load', httpOptions: HttpOptions = {}): IOHandler | undefined {
  const what = mode === 'save' ? 'model.save' : 'loadLayersModel';
  if (typeof target === 'object' && target !== null) {
    const h = target as IOHandler;
    if (typeof h[mode] !== 'function') throw new Error(`${what}: the handler has no ${mode}() method (it has ${Object.keys(h).join(', ') || 'no methods'})`);
    return h;
  }
  if (typeof target !== 'string' || target.length === 0) throw new Error(`${what}: expected a path, a URL or an IOHandler, got ${describe(target)}`);
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(target)?.[0].toLowerCase();
  if (scheme === undefined && !inNode()) {
    // In a page, a plain path is a URL relative to it (as TF.js reads it); saving needs a place.
    if (mode === 'load') return http(target, httpOptions);
    throw new Error(`model.save('${target}') in a browser: name where it goes: 'indexeddb://${target}', 'localstorage://${target}', 'downloads://${target}' or an http(s):// URL`);
  }
  if (scheme === undefined || scheme === 'file://') return undefined;
  const rest = target.slice(scheme.length);
  switch (scheme) {
    case 'localstorage://': return browserLocalStorage(rest);
    case 'indexeddb://': return browserIndexedDB(rest);
    case 'downloads://':
      if (mode === 'load') throw new Error(`loadLayersModel: downloads:// only saves; load the downloaded files with io.browserFiles([jsonFile, weightsFile])`);
      return browserDownloads(rest || 'model');
    case 'http://': case 'https://': return http(target, httpOptions);
    default: throw new Error(`${what}: unknown URL scheme '${scheme}' in ${target} (known: ${SCHEMES.join(', ')}; or a file path)`);
  }
}
