import { stringify } from 'yaml';
import { API_GROUP, API_VERSION } from '../../shared/labels.ts';
import { CatalogInputError } from './input-error.ts';
import type { Catalogue, CataloguePlan } from './read.ts';

// `catalog --output yaml`: a NodeGroup with the chosen datacenter, OS image and plans filled in, the
// rest at safe starting values an operator edits (maxNodes, labels, the bootstrap Secret).

export interface SkeletonChoice {
  name: string;
  namespace: string;
  /** Identifiers or names (nicknames) of plans; each must be in the chosen datacenter. */
  plans: string[];
}

function choosePlans(catalogue: Catalogue, wanted: string[]): CataloguePlan[] {
  const chosen: CataloguePlan[] = [];
  for (const text of wanted) {
    const key = text.toLowerCase();
    const plan = catalogue.plans.find((p) => p.identifier.toLowerCase() === key || p.nickname.toLowerCase() === key);
    if (!plan) throw new CatalogInputError(`no plan "${text}" in datacenter ${catalogue.datacenters[0]!.name} for OS image ${catalogue.osImageID}; known: ${catalogue.plans.map((p) => p.nickname).join(', ') || 'none'}`);
    if (!chosen.includes(plan)) chosen.push(plan);
  }
  return chosen;
}

export function renderNodeGroupSkeleton(catalogue: Catalogue, choice: SkeletonChoice): string {
  if (catalogue.datacenters.length !== 1) throw new CatalogInputError('--output yaml needs one datacenter: give --datacenter <id|name>');
  if (catalogue.osImageID === undefined) throw new CatalogInputError('--output yaml needs --os-image <id> (plans depend on it)');
  if (choice.plans.length === 0) throw new CatalogInputError('--output yaml needs --plan <id|name>[,<id|name>...]');
  const dc = catalogue.datacenters[0]!;
  const plans = choosePlans(catalogue, choice.plans);
  const doc = {
    apiVersion: `${API_GROUP}/${API_VERSION}`,
    kind: 'NodeGroup',
    metadata: { name: choice.name, namespace: choice.namespace },
    spec: {
      minNodes: 0,
      maxNodes: 3,
      datacenterID: dc.identifier,
      osImageID: catalogue.osImageID,
      offeringIDs: plans.map((p) => p.identifier),
      labels: {},
      taints: [],
      bootstrap: { secretName: `${choice.name}-bootstrap`, key: 'cloud-init' },
    },
  };
  const header = [
    `# NodeGroup skeleton from \`vpsie-autoscaler catalog\`: datacenter ${dc.name}, OS image ${catalogue.osImageID}.`,
    ...plans.map((p) => `#   ${p.identifier} = ${p.nickname} (${p.cpu} CPU, ${p.ramMb} MiB, $${p.priceMonthly.toFixed(2)}/month)`),
    '# Edit maxNodes, labels/taints and the bootstrap Secret (README, "The bootstrap template"), then kubectl apply -f.',
  ];
  return `${header.join('\n')}\n${stringify(doc)}`;
}
