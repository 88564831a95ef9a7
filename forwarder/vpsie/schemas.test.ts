import { describe, expect, it } from 'vitest';
import { loginShape, pendingList, planList, vmDetail, vmList } from './schemas.ts';

const row = { id: 7, identifier: 'u-1', hostname: 'h1', cpu: 2, ram: 4096, ssd: 80, is_active: 1, power: 1, is_deleted: 0, project_id: 12 };

describe('schemas', () => {
  it('reads VM rows bare or in the rows wrapper, 0/1 flags as booleans, and derives the state', () => {
    const bare = vmList.parse([row]);
    const wrapped = vmList.parse({ rows: [row], count: 1, total: 1 });
    expect(wrapped).toEqual(bare);
    expect(bare[0]).toMatchObject({ identifier: 'u-1', ramMb: 4096, isActive: true, power: true, state: 'running', projectId: '12', tags: [] });
    expect(vmList.parse([{ ...row, power: 0 }])[0]?.state).toBe('created');
    expect(vmList.parse([{ ...row, is_deleted: 1 }])[0]?.state).toBe('gone');
    expect(vmList.parse([{ ...row, project_id: undefined, projectId: 'p-9' }])[0]?.projectId).toBe('p-9');
  });

  it('reads created_on without a zone as UTC', () => {
    expect(vmList.parse([{ ...row, created_on: '2025-03-04 05:06:07' }])[0]?.createdAtMs).toBe(Date.UTC(2025, 2, 4, 5, 6, 7));
    expect(vmList.parse([{ ...row, created_on: '2025-03-04T05:06:07+01:00' }])[0]?.createdAtMs).toBe(Date.UTC(2025, 2, 4, 4, 6, 7));
    expect(vmList.parse([{ ...row, created_on: 'yesterday' }])[0]?.createdAtMs).toBeNull();
    expect(pendingList.parse([{ created_on: '2025-03-04 05:06:07', data: { hostname: 'h' } }])[0]?.createdAtMs).toBe(Date.UTC(2025, 2, 4, 5, 6, 7));
  });

  it('rejects a row without an identifier', () => {
    expect(vmList.safeParse([{ ...row, identifier: undefined }]).success).toBe(false);
  });

  it('reads a VM detail with tags, and `false` as not found', () => {
    expect(vmDetail.parse({ vmData: row, vmTags: ['a', { name: 'b' }] })).toMatchObject({ tags: ['a', 'b'] });
    expect(vmDetail.parse(false)).toBe(false);
  });

  it('reads pending items whose data is an object or a JSON string', () => {
    const echo = { hostname: 'h2', processId: 'p-1', resourceIdentifier: 'plan' };
    expect(pendingList.parse([{ id: 1, data: echo }])[0]).toMatchObject({ hostname: 'h2', processId: 'p-1' });
    expect(pendingList.parse({ rows: [{ id: 1, data: JSON.stringify(echo) }] })[0]).toMatchObject({ hostname: 'h2' });
  });

  it('reads money as a string or a number, hourly = monthly / 720', () => {
    const [a, b] = planList.parse([
      { identifier: 'p1', nickname: 'small', cpu: '1', ram: 1024, ssd: 20, traffic: 1000, price: '7.20' },
      { identifier: 'p2', nickname: 'big', cpu: 4, ram: 8192, ssd: 160, traffic: 4000, price: 36 },
    ]);
    expect(a).toMatchObject({ cpu: 1, priceMonthly: 7.2, priceHourly: 0.01 });
    expect(b).toMatchObject({ priceMonthly: 36, priceHourly: 0.05 });
    expect(planList.safeParse([{ identifier: 'p3', cpu: 1, ram: 1, price: 'free' }]).success).toBe(false);
  });

  it('reads both login shapes', () => {
    const expires = '2030-01-01T00:00:00Z';
    const a = loginShape.parse({ token: { access: { token: 'A', expires }, refresh: { token: 'R', expires } } });
    const b = loginShape.parse({ accessToken: { token: 'A', expires }, refreshToken: { token: 'R', expires } });
    expect(a).toEqual(b);
    expect(a.accessExpiresAtMs).toBe(Date.parse(expires));
  });
});
