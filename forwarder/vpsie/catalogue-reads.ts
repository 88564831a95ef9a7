import type { ApiCalls } from './api-calls.ts';
import { categoryRow, datacenterRow, planRow } from './schemas.ts';
import { TtlCache } from './ttl-cache.ts';
import type { PlanQuery, VpsieCategory, VpsieDatacenter, VpsiePlan } from './types.ts';

// The catalogue (datacenters, plan categories, plans), cached: it changes rarely, and plans depend on
// datacenter, OS and category, so the planner would otherwise ask for every combination every reconcile.

const DATACENTER_PAGE = 100;
const MAX_DATACENTER_PAGES = 20;

/**
 * The plans form as the one tool seen listing plans sends it: besides the four fields the API reads,
 * `name=query&description=query` (docs/vpsie-api.md). Whether the API needs those two is unknown;
 * sending them is harmless, omitting them might not be.
 */
export function plansForm(query: PlanQuery): Record<string, string> {
  return { name: 'query', description: 'query', dcIdentifier: query.dcIdentifier, osIdentifier: query.osIdentifier, planCatIdentifier: query.categoryIdentifier, isCustom: '0' };
}

export class CatalogueReads {
  private readonly datacenters: TtlCache<VpsieDatacenter[]>;
  private readonly categories: TtlCache<VpsieCategory[]>;
  private readonly plans: TtlCache<VpsiePlan[]>;

  constructor(
    private readonly api: ApiCalls,
    ttlMs: number,
    now: () => number,
  ) {
    this.datacenters = new TtlCache(ttlMs, now);
    this.categories = new TtlCache(ttlMs, now);
    this.plans = new TtlCache(ttlMs, now);
  }

  listDatacenters(): Promise<VpsieDatacenter[]> {
    return this.datacenters.get('all', async () => {
      const byId = new Map<string, VpsieDatacenter>();
      for (let page = 0; page < MAX_DATACENTER_PAGES; page++) {
        const { rows, unreadable } = await this.api.callRows(
          { operation: 'listDatacenters', method: 'GET', path: '/apps/v2/datacenter', query: { offset: page * DATACENTER_PAGE, limit: DATACENTER_PAGE }, retry: 'safe' },
          datacenterRow,
        );
        const before = byId.size;
        for (const row of rows) byId.set(row.identifier, row);
        // A short page ends the list; so does a page with nothing new (an API that ignores offset).
        if (rows.length + unreadable.length < DATACENTER_PAGE || byId.size === before) break;
      }
      return [...byId.values()];
    });
  }

  listPlanCategories(): Promise<VpsieCategory[]> {
    return this.categories.get('all', () => this.api.callRows({ operation: 'listPlanCategories', method: 'GET', path: '/api/v2/plans/category', retry: 'safe' }, categoryRow).then((r) => r.rows));
  }

  /** Plans for one datacenter, OS and category (form-encoded POST, as the API requires). */
  listPlans(query: PlanQuery): Promise<VpsiePlan[]> {
    const key = `${query.dcIdentifier}|${query.osIdentifier}|${query.categoryIdentifier}`;
    return this.plans.get(key, () => this.api.callRows({ operation: 'listPlans', method: 'POST', path: '/apps/v2/resources', form: plansForm(query), retry: 'safe' }, planRow).then((r) => r.rows));
  }

  clear(): void {
    this.datacenters.clear();
    this.categories.clear();
    this.plans.clear();
  }
}
