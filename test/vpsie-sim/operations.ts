import type { SimOperation } from './faults.ts';

/** Which API operation a request is, for the call log and fault matching. */
export function operationOf(method: string, path: string): SimOperation {
  const m = method.toUpperCase();
  if (m === 'POST' && path === '/apps/v2/auth/from/api') return 'login';
  if (path === '/apps/v2/vm') return m === 'GET' ? 'listVms' : m === 'POST' ? 'createVm' : m === 'DELETE' ? 'deleteVm' : 'unknown';
  if (m === 'GET' && path === '/apps/v2/vm/pending') return 'listPending';
  if (m === 'GET' && /^\/apps\/v2\/vm\/[^/]+$/.test(path)) return 'getVm';
  if (m === 'GET' && path === '/apps/v2/datacenter') return 'listDatacenters';
  if (m === 'GET' && path === '/api/v2/plans/category') return 'listPlanCategories';
  if (m === 'POST' && path === '/apps/v2/resources') return 'listPlans';
  if (m === 'POST' && path === '/apps/v2/tags/add') return 'addTags';
  if (m === 'GET' && path === '/apps/v2/tags') return 'listTags';
  if (m === 'POST' && path === '/apps/v2/script/add') return 'addScript';
  if (m === 'GET' && path === '/apps/v2/scripts') return 'listScripts';
  if (m === 'DELETE' && path === '/apps/v2/script') return 'deleteScript';
  if (m === 'GET' && path === '/apps/v2/projects') return 'listProjects';
  return 'unknown';
}
