// tf.data.csv against TF.js's own, on the same file: header or columnNames, numbers and strings,
// quoted fields, empty values with defaults, labels as {xs, ys}, dtypes, configuredColumnsOnly,
// another delimiter; and the bad inputs.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as dt from '../src/index.ts';
import { tf } from './helpers/oracle.ts';

const dir = mkdtempSync(join(tmpdir(), 'deeptype-csv-'));
const file = (name: string, text: string): string => { const p = join(dir, name); writeFileSync(p, text); return p; };
const iris = file('iris.csv', 'sepal_length,sepal_width,species,flag\n5.1,3.5,setosa,true\n4.9,,"versi, color",0\r\n6.3,3.3,"say hi",1\n7.0,3.2,virginica,false\n');

async function both(path: string, config: Record<string, unknown>): Promise<[unknown[], unknown[]]> {
  const ours = await dt.data.csv(path, config).toArray();
  const theirs = await tf.data.csv(pathToFileURL(path).href, config as never).toArray();
  return [ours, theirs];
}

describe('data.csv against TF.js', () => {
  it('rows as objects, numbers where they parse, quoted fields', async () => {
    const [ours, theirs] = await both(iris, {});
    assert.deepEqual(ours, theirs);
    assert.deepEqual(ours[1], { sepal_length: 4.9, sepal_width: undefined, species: 'versi, color', flag: 0 });
    // RFC 4180's "" for a quote inside quotes (TF.js keeps both characters: a difference on purpose).
    const quotes = file('quotes.csv', 'a,b\n"say ""hi""",2\n');
    assert.deepEqual(await dt.data.csv(quotes).toArray(), [{ a: 'say "hi"', b: 2 }]);
  });
  it('labels, defaults, dtypes and configuredColumnsOnly', async () => {
    const columnConfigs = { species: { isLabel: true }, sepal_width: { default: -1 }, flag: { dtype: 'bool' }, sepal_length: { dtype: 'int32' } };
    for (const configuredColumnsOnly of [false, true]) {
      const cfg = { columnConfigs: configuredColumnsOnly ? { species: { isLabel: true }, flag: { dtype: 'bool' } } : columnConfigs, configuredColumnsOnly };
      const [ours, theirs] = await both(iris, cfg);
      assert.deepEqual(ours, theirs, `configuredColumnsOnly ${configuredColumnsOnly}`);
    }
    const names = await dt.data.csv(iris).columnNames();
    assert.deepEqual(names, await tf.data.csv(pathToFileURL(iris).href).columnNames());
  });
  it('no header with columnNames, another delimiter, whitespace', async () => {
    const semi = file('semi.csv', '1;2;x\n3;4;y\n');
    const [a, b] = await both(semi, { hasHeader: false, columnNames: ['a', 'b', 'c'], delimiter: ';' });
    assert.deepEqual(a, b);
    const ws = file('ws.txt', '1   2 3\n4 5  6\n');
    const [c, d] = await both(ws, { hasHeader: false, columnNames: ['a', 'b', 'c'], delimWhitespace: true });
    assert.deepEqual(c, d);
    // Unlike TF.js (which refuses them), blank lines are skipped and tabs and leading spaces are whitespace.
    const loose = file('loose.txt', '1\t2 3\n\n 4 5\t6\n');
    assert.deepEqual(await dt.data.csv(loose, { hasHeader: false, columnNames: ['a', 'b', 'c'], delimWhitespace: true }).toArray(), [{ a: 1, b: 2, c: 3 }, { a: 4, b: 5, c: 6 }]);
  });
  it('trains a model through map and batch', async () => {
    const rows = dt.data.csv(iris, { columnConfigs: { flag: { isLabel: true, dtype: 'bool' } } })
      .map((e) => {
        const { xs, ys } = e as { xs: Record<string, number>; ys: Record<string, number> };
        return { xs: dt.tensor([xs.sepal_length, xs.sepal_width ?? 0], [2]), ys: dt.tensor([ys.flag], [1]) };
      }).batch(2);
    const m = dt.sequential({ layers: [dt.layers.dense({ units: 1, inputShape: [2], activation: 'sigmoid' })] });
    m.compile({ loss: 'binaryCrossentropy', optimizer: 'sgd' });
    const h = await m.fitDataset(rows, { epochs: 2, verbose: 0 });
    assert.ok(h.history.loss.every(Number.isFinite));
  });
  it('names bad input', async () => {
    assert.throws(() => dt.data.csv(iris, { header: true } as never), /unknown option 'header'/);
    assert.throws(() => dt.data.csv(iris, { hasHeader: false }), /columnNames must name the columns/);
    assert.throws(() => dt.data.csv(iris, { columnConfigs: { a: { label: true } } } as never), /columnConfigs\.a: unknown option 'label'/);
    await assert.rejects(dt.data.csv(iris, { columnConfigs: { petal: {} } }).toArray(), /columnConfigs names 'petal', which is not a column/);
    await assert.rejects(dt.data.csv(join(dir, 'none.csv')).toArray(), /cannot read .*none\.csv/);
    await assert.rejects(dt.data.csv(file('bad.csv', 'a,b\n1,2,3\n')).toArray(), /a line has 3 fields, the header 2 columns/);
    await assert.rejects(dt.data.csv(file('q.csv', 'a,b\n"1,2\n')).toArray(), /a quoted field is not closed/);
    await assert.rejects(dt.data.csv(iris, { columnConfigs: { sepal_width: { required: true } } }).toArray(), /the required column sepal_width is empty/);
  });
  // columnNames() listed every column of the file under configuredColumnsOnly; TF.js (and its docs) list the configured ones.
  it('columnNames() under configuredColumnsOnly: the configured columns, in columnConfigs order', async () => {
    const config = { columnConfigs: { species: { isLabel: true }, sepal_length: {} }, configuredColumnsOnly: true };
    const ours = await dt.data.csv(iris, config as never).columnNames();
    assert.deepEqual(ours, await tf.data.csv(pathToFileURL(iris).href, config as never).columnNames());
    assert.deepEqual(ours, ['species', 'sepal_length']);
  });
});
