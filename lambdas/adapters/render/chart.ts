/**
 * Charts as PNG without a browser or a native canvas: Apache ECharts renders the chart to an SVG
 * string in its server-side mode, and resvg (compiled to WebAssembly) rasterises the SVG with a
 * font we ship (Liberation Sans, from pdf.js' standard fonts). Both are maintained libraries of
 * their field; neither needs anything installed on the machine or in the Lambda runtime.
 *
 * The WebAssembly module (2.4 MB) and the font are files, not code: in Lambda they are shipped
 * beside the bundle (`lib/bundle.ts`) and read from there on the first chart; in a checkout they
 * are read from node_modules.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initWasm, Resvg } from '@resvg/resvg-wasm';
import { BarChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TitleComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { SVGRenderer } from 'echarts/renderers';
import type { ChartRenderer, StackedBars } from '../../core/ports/summary.ts';

echarts.use([BarChart, GridComponent, LegendComponent, TitleComponent, SVGRenderer]);

/** Where the chart's files are, beside a bundle: the names `lib/bundle.ts` copies them to. */
export const CHART_FILES = { wasm: 'resvg.wasm', font: 'LiberationSans-Regular.ttf' } as const;

const FONT_FAMILY = 'Liberation Sans';

async function firstReadable(paths: readonly string[]): Promise<Buffer> {
  for (const p of paths) {
    try {
      return await readFile(p);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  throw new Error(`chart renderer: none of ${paths.join(', ')} exists`);
}

let ready: Promise<Buffer> | undefined;

/** Loads the WebAssembly module once per process; resolves to the font. */
function load(): Promise<Buffer> {
  return (ready ??= (async () => {
    const here = dirname(fileURLToPath(import.meta.url));
    const require = createRequire(import.meta.url);
    const fromPackage = (spec: string) => {
      try {
        return [require.resolve(spec)];
      } catch {
        return [];
      }
    };
    const wasm = await firstReadable([join(here, CHART_FILES.wasm), ...fromPackage('@resvg/resvg-wasm/index_bg.wasm')]);
    const fontDirs = fromPackage('pdfjs-dist/package.json').map((p) => join(dirname(p), 'standard_fonts', CHART_FILES.font));
    const font = await firstReadable([join(here, CHART_FILES.font), ...fontDirs]);
    await initWasm(wasm);
    return font;
  })().catch((err: unknown) => {
    ready = undefined;
    throw err;
  }));
}

/** The chart as an SVG string (ECharts' server-side rendering, no animation). */
export function stackedBarsSvg(spec: StackedBars): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: spec.width, height: spec.height });
  try {
    chart.setOption({
      animation: false,
      backgroundColor: '#ffffff',
      textStyle: { fontFamily: FONT_FAMILY },
      title: { text: spec.title, left: 8, top: 6, textStyle: { fontSize: 14, fontWeight: 'normal', fontFamily: FONT_FAMILY } },
      legend: { bottom: 4, left: 'center', itemWidth: 12, itemHeight: 10, textStyle: { fontSize: 11, fontFamily: FONT_FAMILY } },
      grid: { left: 40, right: 12, top: 40, bottom: 62 },
      xAxis: { type: 'category', data: [...spec.categories], axisLabel: { fontSize: 11, fontFamily: FONT_FAMILY } },
      yAxis: { type: 'value', minInterval: 1, axisLabel: { fontSize: 11, fontFamily: FONT_FAMILY } },
      series: spec.series.map((s) => ({ name: s.name, type: 'bar', stack: 'all', data: [...s.values], itemStyle: { color: s.color }, barMaxWidth: 56 })),
    });
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}

export class WasmChartRenderer implements ChartRenderer {
  async stackedBars(spec: StackedBars): Promise<{ png: Uint8Array; width: number; height: number }> {
    const font = await load();
    const svg = stackedBarsSvg(spec);
    const resvg = new Resvg(svg, {
      fitTo: { mode: 'width', value: Math.round(spec.width * spec.scale) },
      background: '#ffffff',
      font: { fontBuffers: [new Uint8Array(font)], defaultFontFamily: FONT_FAMILY, sansSerifFamily: FONT_FAMILY },
    });
    try {
      const image = resvg.render();
      try {
        return { png: image.asPng(), width: image.width, height: image.height };
      } finally {
        image.free();
      }
    } finally {
      resvg.free();
    }
  }
}
