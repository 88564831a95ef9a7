import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import { writeFileSync } from 'node:fs';

// What the live suite keeps of each VPSie answer: its SHAPE only — keys and JSON types, arrays as the
// merged shape of their elements — never a value (no tokens, hostnames, IPs or prices), so the file can
// be shared and the simulator corrected from it (test/vpsie-sim/, docs/vpsie-api.md).

export type Shape = string | { [key: string]: Shape } | { '[]': Shape | 'empty' };

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isArrayShape = (s: Shape): s is { '[]': Shape | 'empty' } => typeof s === 'object' && '[]' in s && Object.keys(s).length === 1;

/** The shape of a JSON value: 'string' | 'number' | 'boolean' | 'null', objects by key, arrays merged. */
export function shapeOf(value: unknown): Shape {
  if (value === null) return 'null';
  if (Array.isArray(value)) return { '[]': value.length === 0 ? 'empty' : value.map(shapeOf).reduce(mergeShapes) };
  if (isRecord(value)) return Object.fromEntries(Object.keys(value).sort().map((key) => [key, shapeOf(value[key])]));
  return typeof value;
}

/** Two shapes seen for the same place: objects merged key by key, different types as "a|b" (sorted). */
export function mergeShapes(a: Shape, b: Shape): Shape {
  if (typeof a === 'string' && typeof b === 'string') return [...new Set([...a.split('|'), ...b.split('|')])].sort().join('|');
  if (typeof a === 'object' && typeof b === 'object') {
    if (isArrayShape(a) && isArrayShape(b)) {
      const [x, y] = [a['[]'], b['[]']];
      return { '[]': x === 'empty' ? y : y === 'empty' ? x : mergeShapes(x, y) };
    }
    if (!isArrayShape(a) && !isArrayShape(b)) {
      const out: Record<string, Shape> = {};
      for (const key of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
        const [x, y] = [(a as Record<string, Shape>)[key], (b as Record<string, Shape>)[key]];
        out[key] = x === undefined ? mergeShapes(y!, 'absent') : y === undefined ? mergeShapes(x, 'absent') : mergeShapes(x, y);
      }
      return out;
    }
  }
  return `${describe(a)}|${describe(b)}`.split('|').sort().join('|');
}

const describe = (s: Shape) => (typeof s === 'string' ? s : isArrayShape(s) ? 'array' : 'object');

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

/** "GET /apps/v2/vm/{uuid}" for every identifier, so answers about different objects share one entry. */
export function endpointKey(method: string, url: string): string {
  const path = url.split('?')[0]!.replace(UUID, '{uuid}').replace(/\/\d+(?=\/|$)/g, '/{id}');
  return `${method.toUpperCase()} ${path}`;
}

export type RecordedAnswer = { statuses: number[]; contentTypes: string[]; body: Shape; samples: number };

export class ShapeRecorder {
  readonly answers = new Map<string, RecordedAnswer>();

  record(key: string, status: number, contentType: string, text: string): void {
    let body: Shape;
    try {
      body = text === '' ? 'empty body' : shapeOf(JSON.parse(text));
    } catch {
      body = 'not JSON';
    }
    const seen = this.answers.get(key);
    if (!seen) {
      this.answers.set(key, { statuses: [status], contentTypes: [contentType], body, samples: 1 });
      return;
    }
    seen.statuses = [...new Set([...seen.statuses, status])].sort();
    seen.contentTypes = [...new Set([...seen.contentTypes, contentType])].sort();
    seen.body = mergeShapes(seen.body, body);
    seen.samples += 1;
  }

  toJSON(meta: Record<string, string>): Record<string, unknown> {
    return { ...meta, answers: Object.fromEntries([...this.answers].sort(([a], [b]) => a.localeCompare(b))) };
  }

  write(file: string, meta: Record<string, string>): void {
    writeFileSync(file, JSON.stringify(this.toJSON(meta), null, 2) + '\n');
  }
}

/** An axios instance for VpsieClient's `http` option that records every answer's shape. */
export function recordingHttp(recorder: ShapeRecorder): AxiosInstance {
  const http = axios.create();
  http.interceptors.response.use((response: AxiosResponse) => {
    const contentType = String(response.headers['content-type'] ?? '').split(';')[0] ?? '';
    recorder.record(endpointKey(response.config.method ?? 'GET', response.config.url ?? ''), response.status, contentType, typeof response.data === 'string' ? response.data : JSON.stringify(response.data ?? ''));
    return response;
  });
  return http;
}
