import * as echarts from 'echarts';
import type { Sample } from './metrics.ts';
import type { SimulationReport } from './simulate.ts';

// `--plot out.svg`: three panels over the day, drawn with Apache ECharts' server-side SVG renderer
// (no browser, no canvas): CPU requested vs capacity, nodes by offering, cost per hour — for this
// project's policy and both baselines.

const MAX_POINTS = 480;

function thin(samples: readonly Sample[]): Sample[] {
  const every = Math.max(1, Math.ceil(samples.length / MAX_POINTS));
  return samples.filter((_, i) => i % every === 0 || i === samples.length - 1);
}

export function renderPlotSvg(r: SimulationReport, title: string): string {
  const startMs = r.project.samples[0]?.atMs ?? 0;
  const hours = (s: Sample) => Math.round(((s.atMs - startMs) / 3600_000) * 1000) / 1000;
  const runs = [
    { name: 'project', samples: thin(r.project.samples), color: '#2f6fdf' },
    { name: 'ca-like', samples: thin(r.caLike.samples), color: '#e07b28' },
    { name: 'static', samples: thin(r.static.samples), color: '#7a7a7a' },
  ];
  const offerings = [...new Set(r.project.samples.flatMap((s) => Object.keys(s.vmsByOffering)))].sort();
  const grid = (i: number) => ({ left: 70, right: 200, top: 50 + i * 230, height: 170 });
  const axes = [0, 1, 2].map((i) => ({ gridIndex: i, type: 'value' as const, min: 0, max: r.durationHours, interval: Math.max(1, Math.round(r.durationHours / 12)), name: i === 2 ? 'hours' : '', axisLabel: { formatter: '{value}h' } }));
  const line = (name: string, data: number[][], color: string, panel: number, dashed = false) => ({
    name, type: 'line' as const, xAxisIndex: panel, yAxisIndex: panel, showSymbol: false, data, step: 'end' as const,
    lineStyle: { color, width: 1.6, ...(dashed ? { type: 'dashed' as const } : {}) }, itemStyle: { color },
  });
  const palette = ['#9ecae1', '#4292c6', '#08519c', '#08306b', '#6baed6', '#c6dbef'];
  const series = [
    line('CPU requested (cores)', runs[0]!.samples.map((s) => [hours(s), (s.requestedCpuMillis + 0) / 1000]), '#222222', 0),
    ...runs.map((run) => line(`capacity: ${run.name}`, run.samples.map((s) => [hours(s), s.capacityCpuMillis / 1000]), run.color, 0, run.name !== 'project')),
    ...offerings.map((o, i) => ({
      name: `project: ${o}`, type: 'line' as const, xAxisIndex: 1, yAxisIndex: 1, stack: 'nodes', showSymbol: false, step: 'end' as const,
      areaStyle: { color: palette[i % palette.length] }, lineStyle: { width: 0 }, itemStyle: { color: palette[i % palette.length] },
      data: runs[0]!.samples.map((s) => [hours(s), s.vmsByOffering[o] ?? 0]),
    })),
    ...runs.slice(1).map((run) => line(`${run.name}: nodes`, run.samples.map((s) => [hours(s), Object.values(s.vmsByOffering).reduce((a, b) => a + b, 0)]), run.color, 1, true)),
    ...runs.map((run) => line(`${run.name}: $/hour`, run.samples.map((s) => [hours(s), Math.round(s.costPerHour * 10_000) / 10_000]), run.color, 2, run.name !== 'project')),
  ];
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: 1000, height: 760 });
  chart.setOption({
    animation: false,
    backgroundColor: '#ffffff',
    title: [
      { text: title, left: 10, top: 6, textStyle: { fontSize: 14 } },
      { text: 'CPU requested vs Ready capacity (cores)', left: 70, top: 30, textStyle: { fontSize: 12 } },
      { text: 'VMs: project by offering (stacked); baselines total', left: 70, top: 260, textStyle: { fontSize: 12 } },
      { text: 'cost ($ per hour)', left: 70, top: 490, textStyle: { fontSize: 12 } },
    ],
    legend: { orient: 'vertical', right: 5, top: 50, textStyle: { fontSize: 10 } },
    grid: [0, 1, 2].map(grid),
    xAxis: axes,
    yAxis: [0, 1, 2].map((i) => ({ gridIndex: i, type: 'value' as const, min: 0 })),
    series,
  });
  const svg = chart.renderToSVGString();
  chart.dispose();
  return svg;
}
