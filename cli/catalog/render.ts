import type { Catalogue } from './read.ts';

// `catalog` as people read it (a table per datacenter) and as scripts read it (JSON, ids and names).

const HOURS_PER_MONTH = 720; // VPSie's billing month (forwarder/vpsie/schemas.ts)

function money(value: number, digits: number): string {
  return `$${value.toFixed(digits)}`;
}

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(header), ...rows.map(line)];
}

export function renderCatalogueTable(catalogue: Catalogue): string {
  const out: string[] = ['Datacenters (spec.datacenterID):'];
  out.push(...table(['ID', 'NAME', 'LOCATION', 'ACTIVE'], catalogue.datacenters.map((d) => [d.identifier, d.name, [d.state, d.country].filter(Boolean).join(', ') || '-', d.isActive ? 'yes' : 'no'])).map((l) => `  ${l}`));
  out.push('', 'Plan categories:');
  out.push(...table(['ID', 'NAME'], catalogue.categories.map((c) => [c.identifier, c.name])).map((l) => `  ${l}`));
  out.push('');
  if (catalogue.osImageID === undefined) {
    out.push('Plans depend on the OS image: give --os-image <id> to list them (VPSie publishes no OS-image list;');
    out.push('take the identifier from the VPSie console or an existing VM).');
    return out.join('\n');
  }
  for (const dc of catalogue.datacenters) {
    const plans = catalogue.plans.filter((p) => p.datacenterID === dc.identifier);
    out.push(`Plans in ${dc.name} (${dc.identifier}) for OS image ${catalogue.osImageID} (spec.offeringIDs):`);
    if (plans.length === 0) {
      out.push('  none', '');
      continue;
    }
    const rows = plans.map((p) => [
      p.identifier, p.nickname, p.categoryName, String(p.cpu), `${(p.ramMb / 1024).toFixed(p.ramMb % 1024 === 0 ? 0 : 1)} GiB`, p.ssdGb === null ? '-' : `${p.ssdGb} GB`,
      money(p.priceMonthly, 2), money(p.priceHourly ?? p.priceMonthly / HOURS_PER_MONTH, 4),
    ]);
    out.push(...table(['ID', 'NAME', 'CATEGORY', 'CPU', 'MEMORY', 'DISK', 'PER MONTH', 'PER HOUR'], rows).map((l) => `  ${l}`), '');
  }
  return out.join('\n').trimEnd();
}

export function renderCatalogueJson(catalogue: Catalogue): string {
  return JSON.stringify(catalogue, null, 2);
}
