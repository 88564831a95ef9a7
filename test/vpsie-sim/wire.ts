import { SIM_DATACENTERS, type SimPlan } from './catalogue.ts';
import type { SimConfig, SimVm } from './state.ts';

// The shapes the simulator puts on the wire, per VPSIE-API.md: 0/1 integers, no status string, no tags
// in list rows, snake_case mixed with camelCase, `created_on` as "YYYY-MM-DD HH:MM:SS".

export function envelope(data: unknown, total?: number): Record<string, unknown> {
  return total === undefined ? { error: false, data } : { error: false, data, total };
}

export function failure(code: number, message: string): Record<string, unknown> {
  // The real API leaks a stack string in failures.
  return { error: true, code, message, stack: `Error: ${message}\n    at /app/src/controllers/api.js:1:1` };
}

/**
 * What an unknown route answers: 404 with `{"error": true, "message": "Not found"}` — the same message a
 * missing object can get, which is why "Not found" alone proves nothing. The exact body of the real
 * API is a GUESS (the message is the one the SDK's tests show for mistyped paths).
 */
export function unknownRoute(): Record<string, unknown> {
  return failure(404, 'Not found');
}

export function list(rows: unknown[], style: SimConfig['listStyle'], total = rows.length): Record<string, unknown> {
  return style === 'rows' ? { error: false, data: { rows, count: rows.length, total }, total } : envelope(rows, total);
}

export function timestamp(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').slice(0, 19);
}

export function ipv4(vm: SimVm): string {
  return `203.0.113.${(vm.id % 250) + 1}`; // TEST-NET-3
}

export function privateIpv4(vm: SimVm): string {
  return `10.10.${Math.floor(vm.id / 250) % 250}.${(vm.id % 250) + 1}`;
}

export function vmRow(vm: SimVm): Record<string, unknown> {
  const running = vm.phase === 'running' ? 1 : 0;
  return {
    id: vm.id,
    identifier: vm.identifier,
    hostname: vm.hostname,
    cpu: vm.cpu,
    ram: vm.ramMb,
    ssd: vm.ssdGb,
    default_ip: vm.publicIpV4 ? ipv4(vm) : null,
    default_ipv6: vm.publicIpV6 ? `2001:db8::${vm.id.toString(16)}` : null,
    private_ip: vm.privateIp ? privateIpv4(vm) : null,
    publicIp: vm.publicIpV4 ? ipv4(vm) : null,
    dcIdentifier: vm.dcIdentifier,
    datacenter: SIM_DATACENTERS.find((d) => d.identifier === vm.dcIdentifier)?.dc_name ?? null,
    osIdentifier: vm.osIdentifier,
    is_active: running,
    power: running,
    is_suspended: 0,
    is_locked: 0,
    is_terminated: 0,
    is_deleted: vm.phase === 'deleted' ? 1 : 0,
    created_on: timestamp(vm.createdAtMs),
    notes: vm.notes,
    // An int64 in the SDK's VmData; a reference the sim could not resolve stays as sent.
    project_id: /^\d+$/.test(vm.projectId) ? Number(vm.projectId) : vm.projectId,
  };
}

export function pendingItem(vm: SimVm): Record<string, unknown> {
  return { id: vm.id, status: 'pending', created_on: timestamp(vm.createdAtMs), data: { ...vm.request } };
}

export function planRow(plan: SimPlan, categoryName: string): Record<string, unknown> {
  return {
    identifier: plan.identifier,
    nickname: plan.nickname,
    cpu: plan.cpu,
    ram: plan.ram,
    ssd: plan.ssd,
    traffic: plan.traffic,
    price: plan.price,
    planCatIdentifier: plan.categoryIdentifier,
    category: categoryName,
  };
}

export const HTML_502 =
  '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n';
