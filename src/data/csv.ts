// TF.js's tf.data.csv(source, config): a dataset of a CSV file's rows, each an object of its
// columns (numbers where they parse, else strings), or {xs, ys} when columns are marked
// isLabel. The source is a URL (fetch: browsers, and Node for http(s)) or, in Node, a path or
// file:// URL. Fields follow RFC 4180 quoting ("a, b" and "" for a quote).
import { Dataset } from './dataset.ts';
import { nodeBuiltin } from '../core/node-only.ts';
import { checkKnownOptions } from '../core/options.ts';

export interface ColumnConfig {
  required?: boolean;
  dtype?: 'float32' | 'int32' | 'bool' | 'string';
  default?: number | string | boolean;
  isLabel?: boolean;
}

export interface CSVConfig {
  hasHeader?: boolean;
  columnNames?: string[];
  columnConfigs?: Record<string, ColumnConfig>;
  configuredColumnsOnly?: boolean;
  delimiter?: string;
  delimWhitespace?: boolean;
}
const CONFIG_KEYS = ['hasHeader', 'columnNames', 'columnConfigs', 'configuredColumnsOnly', 'delimiter', 'delimWhitespace'];
const COLUMN_KEYS = ['required', 'dtype', 'default', 'isLabel'];

type Row = Record<string, number | string | boolean | undefined>;
export type CSVDataset = Dataset<Row | { xs: Row; ys: Row }> & { columnNames(): Promise<string[]> };

/** One line's fields: the delimiter splits outside quotes; "" inside quotes is one quote. */
export function parseCsvLine(line: string, delimiter: string, whitespace: boolean, where: string): string[] {
  if (whitespace) return line.trim().split(/\s+/);
  const out: string[] = [];
  let field = '', quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') { field += '"'; i++; } else if (c === '"') quoted = false; else field += c;
    } else if (c === '"' && field === '') quoted = true;
    else if (line.startsWith(delimiter, i)) { out.push(field); field = ''; i += delimiter.length - 1; } else field += c;
  }
  if (quoted) throw new Error(`${where}: a quoted field is not closed in the line ${JSON.stringify(line.slice(0, 80))}`);
  out.push(field);
  return out;
}

async function readText(source: string): Promise<string> {
  const where = `data.csv(${JSON.stringify(source)})`;
  if (/^https?:\/\//i.test(source) || typeof process === 'undefined' || !process.versions?.node) {
    const res = await fetch(source).catch((e: Error) => { throw new Error(`${where}: fetching failed (${e.message})`); });
    if (!res.ok) throw new Error(`${where}: fetching failed with HTTP ${res.status} ${res.statusText}`);
    return res.text();
  }
  const path = source.startsWith('file://') ? decodeURIComponent(new URL(source).pathname) : source;
  try { return nodeBuiltin('node:fs', 'data.csv of a file').readFileSync(path, 'utf8'); } catch (e) { throw new Error(`${where}: cannot read ${path} (${(e as Error).message})`); }
}

function parseValue(value: string, config: ColumnConfig | undefined, key: string, line: string): number | string | boolean | undefined {
  if (value === '') {
    if (config?.default !== undefined) return config.default;
    if (config?.required || config?.isLabel) throw new Error(`data.csv: the required column ${key} is empty in the line ${JSON.stringify(line.slice(0, 80))}`);
    return undefined;
  }
  const bool = (): number => (value === '1' || value.toLowerCase() === 'true' ? 1 : 0);
  if (config?.dtype === 'string') return value;
  const n = Number(value);
  if (Number.isNaN(n)) return config?.dtype === 'bool' ? bool() : value;
  if (config?.dtype === 'int32') return Math.floor(n);
  if (config?.dtype === 'bool') return bool();
  return n;
}

/** TF.js's tf.data.csv: see the file's comment. */
export function csv(source: string, config: CSVConfig = {}): CSVDataset {
  if (typeof source !== 'string' || source.length === 0) throw new Error(`data.csv: source must be a URL or (in Node) a file path, got ${typeof source}`);
  checkKnownOptions(config, CONFIG_KEYS, 'data.csv');
  const { hasHeader = true, columnNames, columnConfigs, configuredColumnsOnly = false, delimiter = ',', delimWhitespace = false } = config;
  if (typeof delimiter !== 'string' || delimiter.length === 0) throw new Error(`data.csv: delimiter must be a non-empty string, got ${JSON.stringify(delimiter)}`);
  if (!hasHeader && !columnNames) throw new Error('data.csv: without a header line (hasHeader: false), columnNames must name the columns');
  for (const [name, c] of Object.entries(columnConfigs ?? {})) checkKnownOptions(c ?? {}, COLUMN_KEYS, `data.csv: columnConfigs.${name}`);
  if (configuredColumnsOnly && !columnConfigs) throw new Error('data.csv: configuredColumnsOnly needs columnConfigs');
  const where = `data.csv(${JSON.stringify(source)})`;
  let parsed: Promise<{ names: string[]; rows: string[] }> | undefined;
  const load = () => (parsed ??= readText(source).then((text) => {
    const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
    const header = hasHeader && lines.length > 0 ? parseCsvLine(lines[0], delimiter, delimWhitespace, where) : undefined;
    const names = columnNames ?? header ?? [];
    if (header && columnNames && header.length !== columnNames.length) throw new Error(`${where}: columnNames lists ${columnNames.length} columns, the header ${header.length}`);
    if (new Set(names).size !== names.length) throw new Error(`${where}: duplicate column names: ${names.join(', ')}`);
    for (const k of Object.keys(columnConfigs ?? {})) if (!names.includes(k)) throw new Error(`${where}: columnConfigs names '${k}', which is not a column (${names.join(', ')})`);
    return { names, rows: hasHeader ? lines.slice(1) : lines };
  }));
  const element = (names: string[], line: string): Row | { xs: Row; ys: Row } => {
    const values = parseCsvLine(line, delimiter, delimWhitespace, where);
    if (values.length !== names.length) throw new Error(`${where}: a line has ${values.length} fields, the header ${names.length} columns: ${JSON.stringify(line.slice(0, 80))}`);
    const xs: Row = {}, ys: Row = {};
    names.forEach((key, i) => {
      const c = columnConfigs?.[key];
      if (configuredColumnsOnly && !c) return;
      (c?.isLabel ? ys : xs)[key] = parseValue(values[i], c, key, line);
    });
    return Object.keys(ys).length === 0 ? xs : { xs, ys };
  };
  const ds = Dataset.fromGenerator(async function* () {
    const { names, rows } = await load();
    for (const line of rows) yield element(names, line);
  }) as CSVDataset;
  // TF.js documents columnNames() as the configured columns alone (in columnConfigs' order) under configuredColumnsOnly.
  ds.columnNames = async () => { const { names } = await load(); return configuredColumnsOnly ? Object.keys(columnConfigs!) : names; };
  return ds;
}
