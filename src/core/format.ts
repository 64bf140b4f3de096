// NumPy-like printing: aligned columns, long axes summarised with '...'.
import { isFloat } from './dtype.ts';
import { formatShape } from './shape.ts';
import type { Tensor } from './tensor.ts';

const EDGE = 3; // items kept at each end of a summarised axis
const SUMMARISE_ABOVE = 1000;

function formatNumber(v: number, float: boolean): string {
  if (!float || Number.isNaN(v) || !Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-4 || a >= 1e6)) return v.toExponential(4);
  return v.toFixed(4);
}

export function formatTensor(t: Tensor): string {
  const float = isFloat(t.dtype);
  const header = `Tensor ${t.dtype} ${formatShape(t.shape)}`;
  if (t.rank === 0) return `${header}\n${formatNumber(t.data[0], float)}`;
  const summarise = t.size > SUMMARISE_ABOVE;
  const strides = t.shape.map((_, i) => t.shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const shown = (axis: number): (number | null)[] => {
    const n = t.shape[axis];
    if (!summarise || n <= 2 * EDGE) return Array.from({ length: n }, (_, i) => i);
    return [...Array.from({ length: EDGE }, (_, i) => i), null, ...Array.from({ length: EDGE }, (_, i) => n - EDGE + i)];
  };
  // First pass: width of the widest shown number, so columns line up.
  let width = 0;
  const visit = (axis: number, offset: number, f: (o: number) => void): void => {
    if (axis === t.rank) return f(offset);
    for (const i of shown(axis)) if (i !== null) visit(axis + 1, offset + i * strides[axis], f);
  };
  visit(0, 0, (o) => { width = Math.max(width, formatNumber(t.data[o], float).length); });
  const render = (axis: number, offset: number, indent: string): string => {
    if (axis === t.rank - 1) {
      const items = shown(axis).map((i) => (i === null ? '...' : formatNumber(t.data[offset + i * strides[axis]], float).padStart(width)));
      return `[${items.join(', ')}]`;
    }
    const sep = ',' + '\n'.repeat(t.rank - 1 - axis) + indent + ' ';
    const rows = shown(axis).map((i) => (i === null ? '...' : render(axis + 1, offset + i * strides[axis], indent + ' ')));
    return `[${rows.join(sep)}]`;
  };
  return `${header}\n${render(0, 0, '')}`;
}
