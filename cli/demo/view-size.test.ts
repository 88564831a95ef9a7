import { describe, expect, it } from 'vitest';
import { renderScreen, scaleDownPhase, type DemoState } from './view.ts';

// The live view fits the terminal (issue 21: at 80×24 the header scrolled away).

const state: DemoState = {
  elapsedMs: 12_300,
  phase: 'scale-up: pods pending, nodes launching',
  pods: { pending: 4, running: 8, terminating: 0 },
  groups: [{ name: 'workers', launching: 2, ready: 3, notReady: 0, draining: 0 }],
  vmsByPlan: { 'A-4C-8G': 5 },
  costPerHour: 0.28,
} as DemoState;
const decisions = Array.from({ length: 40 }, (_, i) => `decision ${i}: launch 1 × A-4C-8G in demo/workers for 2 pending pod(s) ${'and a long tail '.repeat(i % 5)}`);

describe('demo live view size', () => {
  it.each([[80, 24], [60, 15], [120, 40], [40, 8]])('at %i×%i: no line wider, fewer lines than the terminal, the header first', (columns, rows) => {
    const screen = renderScreen(state, decisions, 'Ctrl-C stops the demo and everything it started.', { columns, rows }).split('\n');
    expect(screen.length).toBeLessThanOrEqual(rows - 1);
    expect(Math.max(...screen.map((l) => l.length))).toBeLessThanOrEqual(columns);
    expect(screen[0]).toMatch(/^vpsie-autoscaler demo — /);
  });

  it('shows the newest decisions that fit, the footer last', () => {
    const screen = renderScreen(state, decisions, 'footer', { columns: 200, rows: 24 }).split('\n');
    expect(screen.at(-1)).toBe('footer');
    expect(screen.some((l) => l.startsWith('  decision 39:'))).toBe(true);
    expect(screen.some((l) => l.startsWith('  decision 0:'))).toBe(false);
  });
});

describe('demo scale-down countdown', () => {
  it('counts the window down in whole seconds, then says the nodes are drained', () => {
    expect(scaleDownPhase(1_000, 31_000)).toBe('scale-down: nodes below the thresholds; the window ends in 30s, then they are drained');
    expect(scaleDownPhase(30_500, 31_000)).toContain('ends in 1s');
    expect(scaleDownPhase(31_000, 31_000)).toBe('scale-down: nodes draining and removed');
  });
});
