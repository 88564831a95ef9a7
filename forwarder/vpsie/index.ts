// Public boundary of the VPSie client.
export { VpsieClient, VPSIE_DEFAULT_BASE_URL, type UnreadableRowsEvent, type VpsieClientOptions } from './client.ts';
export type { PendingListing, VmListing } from './absence.ts';
export { matchProject, VpsieProjectError } from './projects.ts';
export type { AuthHeaderMode } from './auth.ts';
export type { LoginBody } from './login.ts';
export type { UnreadableRow } from './rows.ts';
export { credentialsFromSecret, VPSIE_SECRET_NAME, VPSIE_SECRET_NAMESPACE, type VpsieCredentials } from './credentials.ts';
export { DEFAULT_RETRY, type RetryOptions } from './backoff.ts';
export type { BreakerState, CircuitBreakerOptions } from './circuit-breaker.ts';
export { HOURS_PER_MONTH } from './schemas.ts';
export {
  isVpsieError,
  VpsieAbsenceUnconfirmedError,
  VpsieApiError,
  VpsieAuthError,
  VpsieCircuitOpenError,
  VpsieCredentialsError,
  VpsieError,
  VpsieIncompleteListingError,
  VpsieInvalidResponseError,
  VpsieNetworkError,
  VpsieNotFoundError,
  VpsieQuotaError,
  VpsieRateLimitError,
  VpsieRequestError,
  VpsieServerError,
  VpsieTimeoutError,
} from './errors.ts';
export type {
  DeleteRequest,
  DeleteResult,
  LaunchRequest,
  LaunchResult,
  PlanQuery,
  RequestEvent,
  VmLookup,
  VpsieCategory,
  VpsieDatacenter,
  VpsiePendingVm,
  VpsiePlan,
  VpsieProject,
  VpsieScript,
  VpsieVm,
  VpsieVmState,
} from './types.ts';
