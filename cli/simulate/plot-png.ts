import { Resvg } from '@resvg/resvg-js';

// `--plot out.png`: the same chart as the SVG (plot.ts), rasterised by resvg (a Rust SVG renderer
// shipped as prebuilt per-platform packages: no install script, no browser, no canvas). Text is
// drawn with the machine's fonts; the generic families ECharts names fall back to common sans fonts.

/** Rendered at twice the SVG's size so the PNG stays sharp on high-density screens. */
export const PNG_ZOOM = 2;

export function svgToPng(svg: string): { png: Buffer; width: number; height: number } {
  const resvg = new Resvg(svg, {
    background: '#ffffff',
    fitTo: { mode: 'zoom', value: PNG_ZOOM },
    font: { loadSystemFonts: true, sansSerifFamily: 'DejaVu Sans', defaultFontFamily: 'DejaVu Sans' },
    logLevel: 'off',
  });
  const image = resvg.render();
  return { png: image.asPng(), width: image.width, height: image.height };
}
