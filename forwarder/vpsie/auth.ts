import type { LoginResult } from './schemas.ts';

// The two ways to authenticate. Either way the token travels in `Vpsie-Auth` (no "Bearer"), and
// optionally also as `Authorization: Bearer` for deployments that want it.

export interface Authenticator {
  /** Headers for the next request; may log in first. */
  headers(): Promise<Record<string, string>>;
  /** True when a 401 can be cured by logging in again. */
  readonly canRelogin: boolean;
  /** Forget the token that was just refused, so the next `headers()` logs in again. */
  invalidate(refusedHeaders: Record<string, string>): void;
}

function tokenHeaders(token: string, sendBearer: boolean): Record<string, string> {
  return sendBearer ? { 'Vpsie-Auth': token, Authorization: `Bearer ${token}` } : { 'Vpsie-Auth': token };
}

export class StaticTokenAuth implements Authenticator {
  readonly canRelogin = false;
  constructor(
    private readonly token: string,
    private readonly sendBearer: boolean,
  ) {}
  async headers(): Promise<Record<string, string>> {
    return tokenHeaders(this.token, this.sendBearer);
  }
  invalidate(): void {}
}

/**
 * clientId/clientSecret mode: logs in lazily, logs in again `refreshSkewMs` before the access token
 * expires (the documented expiry is about an hour), and once more after a 401. Concurrent callers share
 * one login.
 */
export class LoginSessionAuth implements Authenticator {
  readonly canRelogin = true;
  private session: LoginResult | undefined;
  private loggingIn: Promise<LoginResult> | undefined;

  constructor(
    private readonly login: () => Promise<LoginResult>,
    private readonly options: { refreshSkewMs: number; sendBearer: boolean; now: () => number },
  ) {}

  async headers(): Promise<Record<string, string>> {
    const session = this.session;
    if (session && this.options.now() < session.accessExpiresAtMs - this.options.refreshSkewMs) {
      return tokenHeaders(session.accessToken, this.options.sendBearer);
    }
    this.loggingIn ??= this.login().finally(() => {
      this.loggingIn = undefined;
    });
    this.session = await this.loggingIn;
    return tokenHeaders(this.session.accessToken, this.options.sendBearer);
  }

  invalidate(refusedHeaders: Record<string, string>): void {
    // Only forget the token that was refused: another request may already have logged in again.
    if (this.session && refusedHeaders['Vpsie-Auth'] === this.session.accessToken) this.session = undefined;
  }
}
