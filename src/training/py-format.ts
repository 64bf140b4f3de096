// Python's str.format for the file names and values Keras's callbacks write: ModelCheckpoint's
// '{epoch:02d}-{val_loss:.2f}.keras' and CSVLogger's float columns (Python's repr of a float).

/** Python's repr of a float: shortest round-trip digits, '1.0' for whole numbers, 1e-05 below 1e-4 and from 1e16. */
export function pyFloat(v: number): string {
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  if (Object.is(v, -0)) return '-0.0';
  const [mantissa, exp] = v.toExponential().split('e');
  const e = Number(exp);
  if (e < -4 || e >= 16) return `${mantissa}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  const s = String(v); // JS writes fixed notation for exponents in [-6, 21): all of this range
  return s.includes('.') ? s : `${s}.0`;
}

/** An exponent as Python writes it: a sign and at least two digits. */
const pyExponent = (s: string): string => s.replace(/e([+-])(\d)$/, 'e$10$2');

/** Python's 'g': precision significant digits, fixed for exponents in [-4, precision), trailing zeros dropped unless alt. */
function general(v: number, precision: number, alt: boolean): string {
  const p = precision === 0 ? 1 : precision;
  const e = Number(v.toExponential(p - 1).split('e')[1]);
  const s = e >= -4 && e < p ? v.toFixed(p - 1 - e) : pyExponent(v.toExponential(p - 1));
  if (alt) return s;
  const [digits, exponent] = s.split('e');
  const trimmed = digits.includes('.') ? digits.replace(/0+$/, '').replace(/\.$/, '') : digits;
  return exponent === undefined ? trimmed : `${trimmed}e${exponent}`;
}

const SPEC = /^(?:(.)?([<>=^]))?([+\- ])?(#)?(0)?(\d+)?(?:\.(\d+))?([bcdeEfFgGnosxX%])?$/;

/** One replacement field's value under a format spec ('02d', '.4f', '>8.2e', ...); `isInt` as Python's int (epoch, batch) vs float. */
export function formatField(value: number, spec: string, isInt: boolean, where: string): string {
  const m = SPEC.exec(spec);
  if (!m) throw new Error(`${where}: format spec '${spec}' is not one Python's str.format takes`);
  const [, fillGiven, alignGiven, sign = '-', alt, zero, widthText, precText, type = ''] = m;
  const precision = precText === undefined ? undefined : Number(precText);
  if (isInt && precision !== undefined && (type === '' || type === 'd')) throw new Error(`${where}: precision is not allowed with an integer field (spec '${spec}')`);
  if (!'dfFeEgG%'.includes(type) || (!isInt && type === 'd')) {
    throw new Error(`${where}: format code '${type}' is not supported for a ${isInt ? 'whole number' : 'float'} (spec '${spec}'; use d, f, e, g or %)`);
  }
  const neg = value < 0 || Object.is(value, -0);
  const a = Math.abs(value);
  let body: string;
  if (!Number.isFinite(a)) body = Number.isNaN(a) ? 'nan' : 'inf';
  else if (type === '' || type === 'd') body = isInt ? String(a) : precision === undefined ? pyFloat(a) : general(a, precision, false).replace(/^(\d+)$/, '$1.0');
  else if (type === 'f' || type === 'F') body = a.toFixed(precision ?? 6);
  else if (type === 'e' || type === 'E') body = pyExponent(a.toExponential(precision ?? 6));
  else if (type === 'g' || type === 'G') body = general(a, precision ?? 6, Boolean(alt));
  else body = `${(a * 100).toFixed(precision ?? 6)}%`;
  if (type === 'E' || type === 'G' || type === 'F') body = body.toUpperCase();
  if (alt && !body.includes('.') && /^\d/.test(body) && type !== '' && type !== 'd') body = body.replace(/^(\d+)/, '$1.');
  const signText = neg && !Number.isNaN(value) ? '-' : sign === '+' ? '+' : sign === ' ' ? ' ' : '';
  const width = widthText === undefined ? 0 : Number(widthText);
  const fill = fillGiven ?? (zero && !alignGiven ? '0' : ' ');
  const align = alignGiven ?? (zero ? '=' : '>');
  const pad = Math.max(0, width - signText.length - body.length);
  if (align === '=') return signText + fill.repeat(pad) + body;
  const text = signText + body;
  if (align === '<') return text + fill.repeat(pad);
  if (align === '^') return fill.repeat(Math.floor(pad / 2)) + text + fill.repeat(pad - Math.floor(pad / 2));
  return fill.repeat(pad) + text;
}

/**
 * Python's template.format(**values) for numeric fields: '{name}' or '{name:spec}', '{{' and '}}'
 * for braces. A name missing from values is an error listing the names there are (Keras raises).
 */
export function pyFormat(template: string, values: Record<string, number>, intNames: readonly string[], where: string): string {
  return template.replace(/\{\{|\}\}|\{([^{}:!]*)(?::([^{}]*))?\}|[{}]/g, (match, name: string | undefined, spec = '') => {
    if (match === '{{') return '{';
    if (match === '}}') return '}';
    if (name === undefined) throw new Error(`${where}: '${template}' has an unmatched '${match}' (write '${match}${match}' for a literal brace)`);
    if (!(name in values)) {
      throw new Error(`${where}: '${template}' names {${name}}, which is not available; the names are: ${Object.keys(values).join(', ')}`);
    }
    return formatField(values[name], spec, intNames.includes(name), `${where} ('${template}', field {${name}})`);
  });
}
