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
  /** A request with the current headers succeeded. */
  markAccepted?(): void;
}

function tokenHeaders(token: string, sendBearer: boolean): Record<string, string> {
  return sendBearer ? { 'Vpsie-Auth': token, Authorization: `Bearer ${token}` } : { 'Vpsie-Auth': token };
}

/**
 * Where a logged-in token goes: `Vpsie-Auth` (the SDK), also `Authorization: Bearer` (the one tool
 * that claims a working client-credentials login), or 'auto': Vpsie-Auth until a token fresh from a
 * login is refused, then both from then on (detected once, kept for the client's life).
 */
export type AuthHeaderMode = 'vpsie-auth' | 'both' | 'auto';

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

  private sendBearer: boolean;
  /** The session's token has been accepted at least once (so a refusal is not about the header). */
  private accepted = false;

  constructor(
    private readonly login: () => Promise<LoginResult>,
    private readonly options: { refreshSkewMs: number; sendBearer: boolean; now: () => number; headerMode?: AuthHeaderMode },
  ) {
    this.sendBearer = options.sendBearer || options.headerMode === 'both';
  }

  /** The header style in use: detected ('auto') or configured. */
  get bearerSent(): boolean {
    return this.sendBearer;
  }

  async headers(): Promise<Record<string, string>> {
    const session = this.session;
    if (session && this.options.now() < session.accessExpiresAtMs - this.options.refreshSkewMs) {
      return tokenHeaders(session.accessToken, this.sendBearer);
    }
    this.loggingIn ??= this.login().finally(() => {
      this.loggingIn = undefined;
    });
    this.session = await this.loggingIn;
    this.accepted = false;
    return tokenHeaders(this.session.accessToken, this.sendBearer);
  }

  /** Called by the transport after a request with this session's token succeeded. */
  markAccepted(): void {
    this.accepted = true;
  }

  invalidate(refusedHeaders: Record<string, string>): void {
    if (!this.session || refusedHeaders['Vpsie-Auth'] !== this.session.accessToken) return; // another request logged in again already
    if (this.options.headerMode === 'auto' && !this.sendBearer && !this.accepted) {
      // A token fresh from the login, refused at once: this deployment wants Bearer. Keep the token.
      this.sendBearer = true;
      return;
    }
    this.session = undefined;
  }
}
