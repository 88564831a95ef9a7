import type { VpsieCategory, VpsieDatacenter, VpsiePlan } from '../../forwarder/vpsie/index.ts';
import { CatalogInputError } from './input-error.ts';

// Reads what a NodeGroup needs from the VPSie catalogue through the client's public read methods:
// datacenters, plan categories and, for an OS image, the plans of each datacenter and category.
// Bounded: at most MAX_PLAN_QUERIES plan listings per run (datacenters × categories).

export const MAX_PLAN_QUERIES = 200;

export interface CatalogueReader {
  listDatacenters(): Promise<VpsieDatacenter[]>;
  listPlanCategories(): Promise<VpsieCategory[]>;
  listPlans(query: { dcIdentifier: string; osIdentifier: string; categoryIdentifier: string }): Promise<VpsiePlan[]>;
}

export interface CataloguePlan extends VpsiePlan {
  datacenterID: string;
  categoryID: string;
  categoryName: string;
}

export interface Catalogue {
  datacenters: VpsieDatacenter[];
  categories: VpsieCategory[];
  /** Absent without an OS image (VPSie lists plans per datacenter, OS image and category). */
  osImageID?: string;
  plans: CataloguePlan[];
}

export interface CatalogueSelection {
  /** Identifier or name (case-insensitive) of one datacenter. */
  datacenter?: string;
  /** Identifier or name of one plan category. */
  category?: string;
  osImageID?: string;
}

function pick<T extends { identifier: string; name: string }>(items: T[], wanted: string | undefined, what: string): T[] {
  if (wanted === undefined) return items;
  const key = wanted.toLowerCase();
  const found = items.filter((i) => i.identifier.toLowerCase() === key || i.name.toLowerCase() === key);
  if (found.length === 0) throw new CatalogInputError(`no ${what} "${wanted}"; known: ${items.map((i) => `${i.name} (${i.identifier})`).join(', ') || 'none'}`);
  return found;
}

export async function readCatalogue(vpsie: CatalogueReader, selection: CatalogueSelection): Promise<Catalogue> {
  const [allDatacenters, allCategories] = await Promise.all([vpsie.listDatacenters(), vpsie.listPlanCategories()]);
  const datacenters = pick(selection.datacenter === undefined ? allDatacenters.filter((d) => d.isActive) : allDatacenters, selection.datacenter, 'datacenter');
  const categories = pick(allCategories, selection.category, 'plan category');
  const catalogue: Catalogue = { datacenters, categories, plans: [] };
  if (selection.osImageID === undefined) return catalogue;
  catalogue.osImageID = selection.osImageID;
  if (datacenters.length * categories.length > MAX_PLAN_QUERIES) {
    throw new CatalogInputError(`${datacenters.length} datacenters × ${categories.length} categories is more than ${MAX_PLAN_QUERIES} plan listings: choose --datacenter or --category`);
  }
  for (const dc of datacenters) {
    for (const category of categories) {
      const plans = await vpsie.listPlans({ dcIdentifier: dc.identifier, osIdentifier: selection.osImageID, categoryIdentifier: category.identifier });
      for (const plan of plans) catalogue.plans.push({ ...plan, datacenterID: dc.identifier, categoryID: category.identifier, categoryName: category.name });
    }
  }
  catalogue.plans.sort((a, b) => a.datacenterID.localeCompare(b.datacenterID) || a.priceMonthly - b.priceMonthly || a.nickname.localeCompare(b.nickname));
  return catalogue;
}
