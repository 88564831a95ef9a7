import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from './circuit-breaker.ts';

describe('CircuitBreaker', () => {
  const setup = () => {
    let nowMs = 0;
    const breaker = new CircuitBreaker({ failureThreshold: 3, coolOffMs: 1000 }, () => nowMs);
    return { breaker, advance: (ms: number) => (nowMs += ms) };
  };

  it('opens after N consecutive failures and refuses until the cool-off ends', () => {
    const { breaker, advance } = setup();
    breaker.recordFailure();
    breaker.recordFailure();
    expect(breaker.acquire().allowed).toBe(true);
    breaker.recordFailure();
    expect(breaker.state).toBe('open');
    expect(breaker.acquire()).toEqual({ allowed: false, retryAtMs: 1000 });
    advance(999);
    expect(breaker.acquire().allowed).toBe(false);
  });

  it('a success in between resets the count', () => {
    const { breaker } = setup();
    breaker.recordFailure();
    breaker.recordFailure();
    breaker.recordSuccess();
    breaker.recordFailure();
    expect(breaker.state).toBe('closed');
  });

  it('lets exactly one probe through after the cool-off; success closes it', () => {
    const { breaker, advance } = setup();
    for (let i = 0; i < 3; i++) breaker.recordFailure();
    advance(1000);
    expect(breaker.acquire()).toEqual({ allowed: true, probe: true });
    expect(breaker.acquire().allowed).toBe(false);
    breaker.recordSuccess();
    expect(breaker.state).toBe('closed');
    expect(breaker.acquire()).toEqual({ allowed: true, probe: false });
  });

  it('a failed probe opens it again for a full cool-off', () => {
    const { breaker, advance } = setup();
    for (let i = 0; i < 3; i++) breaker.recordFailure();
    advance(1500);
    expect(breaker.acquire().allowed).toBe(true);
    breaker.recordFailure();
    expect(breaker.acquire()).toEqual({ allowed: false, retryAtMs: 2500 });
  });
});
