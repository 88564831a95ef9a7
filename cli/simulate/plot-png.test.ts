import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { renderPlotSvg } from './plot.ts';
import { PNG_ZOOM, svgToPng } from './plot-png.ts';
import { groupYaml, simulateYaml } from './test-helpers.ts';

// The PNG is decoded here (chunks, zlib, scanline filters) so the test reads its pixels, not just
// its header: a blank or wrongly sized image fails.

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function decodePng(png: Buffer): { width: number; height: number; pixel: (x: number, y: number) => [number, number, number, number] } {
  expect(png.subarray(0, 8).equals(SIGNATURE)).toBe(true);
  let offset = 8;
  let width = 0, height = 0, colorType = -1, bitDepth = -1;
  const idat: Buffer[] = [];
  while (offset < png.length) {
    const length = png.readUInt32BE(offset);
    const type = png.toString('latin1', offset + 4, offset + 8);
    const data = png.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') { width = data.readUInt32BE(0); height = data.readUInt32BE(4); bitDepth = data[8]!; colorType = data[9]!; }
    if (type === 'IDAT') idat.push(data);
    offset += 12 + length;
  }
  expect({ bitDepth, colorType }).toEqual({ bitDepth: 8, colorType: 6 }); // RGBA, 8 bits
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * 4;
  const out = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    for (let i = 0; i < stride; i++) {
      const x = raw[y * (stride + 1) + 1 + i]!;
      const a = i >= 4 ? out[y * stride + i - 4]! : 0;
      const b = y > 0 ? out[(y - 1) * stride + i]! : 0;
      const c = i >= 4 && y > 0 ? out[(y - 1) * stride + i - 4]! : 0;
      const p = a + b - c;
      const paeth = Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c) ? a : Math.abs(p - b) <= Math.abs(p - c) ? b : c;
      const predictor = [0, a, b, (a + b) >> 1, paeth][filter]!;
      out[y * stride + i] = (x + predictor) & 0xff;
    }
  }
  return { width, height, pixel: (x, y) => [...out.subarray(y * stride + x * 4, y * stride + x * 4 + 4)] as [number, number, number, number] };
}

describe('--plot out.png', () => {
  const report = simulateYaml(`durationHours: 2
${groupYaml(['small-2c4g', 'medium-4c8g'])}workloads:
  - name: web
    requests: { cpu: 500m, memory: 512Mi }
    replicas: [[0h, 2], [30m, 12], [1h30m, 2]]
`);
  const svg = renderPlotSvg(report, 'png test');

  it('is a PNG of the SVG chart at twice its size, white background, with the lines drawn', () => {
    const { png, width, height } = svgToPng(svg);
    const image = decodePng(png);
    expect([image.width, image.height]).toEqual([1000 * PNG_ZOOM, 760 * PNG_ZOOM]);
    expect([width, height]).toEqual([image.width, image.height]);
    expect(image.pixel(2, 2)).toEqual([255, 255, 255, 255]);
    // The project's capacity line (#2f6fdf) and the baseline CA-like line (#e07b28) are drawn; text is dark.
    let blue = 0, orange = 0, dark = 0;
    for (let y = 0; y < image.height; y += 2) {
      for (let x = 0; x < image.width; x += 2) {
        const [r, g, b] = image.pixel(x, y);
        if (Math.abs(r - 0x2f) < 24 && Math.abs(g - 0x6f) < 24 && Math.abs(b - 0xdf) < 24) blue++;
        if (Math.abs(r - 0xe0) < 24 && Math.abs(g - 0x7b) < 24 && Math.abs(b - 0x28) < 24) orange++;
        if (r < 80 && g < 80 && b < 80) dark++;
      }
    }
    expect(blue).toBeGreaterThan(200);
    expect(orange).toBeGreaterThan(100);
    expect(dark).toBeGreaterThan(500);
  });
});
