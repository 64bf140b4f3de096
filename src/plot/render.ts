// Turning SVG into PNG: resvg (a Rust renderer whose npm package ships it prebuilt) with the
// DejaVu Sans font from npm, so text renders the same on a machine with no fonts at all.
// Both are optional packages, loaded the first time a PNG is asked for; SVG needs neither.
import type { Resvg as ResvgClass } from '@resvg/resvg-js';
import { nodeBuiltin, optionalPackageDir, requireOptional } from '../core/node-only.ts';
export { encodePng, decodePng } from './png.ts';

export const FONT_FAMILY = 'DejaVu Sans';
const FEATURE = 'PNG figures (savefig to .png, toPNG)';

let renderer: { Resvg: typeof ResvgClass; fontFiles: string[] } | undefined;

export function svgToPng(svg: string): Uint8Array {
  if (!renderer) {
    const { Resvg } = requireOptional<{ Resvg: typeof ResvgClass }>('@resvg/resvg-js', FEATURE);
    const { join } = nodeBuiltin('node:path', FEATURE);
    const fontDir = join(optionalPackageDir('dejavu-fonts-ttf', FEATURE), 'ttf');
    renderer = { Resvg, fontFiles: [join(fontDir, 'DejaVuSans.ttf'), join(fontDir, 'DejaVuSans-Bold.ttf')] };
  }
  const resvg = new renderer.Resvg(svg, { font: { fontFiles: renderer.fontFiles, loadSystemFonts: false, defaultFontFamily: FONT_FAMILY } });
  return resvg.render().asPng();
}
