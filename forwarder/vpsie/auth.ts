import type { LoginResult } from './schemas.ts';

// The two ways to authenticate (an API token, or a client-credentials login), and where the token
// goes: `Vpsie-Auth` (no "Bearer"; the SDK and most tools), `Authorization: Bearer` (the one tool that
// claims a working client-credentials login), or both.

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

/**
 * Where the token goes. 'auto' (login mode only): Vpsie-Auth until a token fresh from a login is
 * refused, then both from then on (detected once, kept for the client's life). In token mode 'auto'
 * means Vpsie-Auth (nothing to detect it from: a refused token is a wrong token).
 */
export type AuthHeaderMode = 'vpsie-auth' | 'bearer' | 'both' | 'auto';
type HeaderStyle = 'vpsie-auth' | 'bearer' | 'both';

function tokenHeaders(token: string, style: HeaderStyle): Record<string, string> {
  if (style === 'bearer') return { Authorization: `Bearer ${token}` };
  return style === 'both' ? { 'Vpsie-Auth': token, Authorization: `Bearer ${token}` } : { 'Vpsie-Auth': token };
}

/** The token a request carried, whichever header it went in. */
function sentToken(headers: Record<string, string>): string | undefined {
  return headers['Vpsie-Auth'] ?? headers['Authorization']?.replace(/^Bearer /, '');
}

export class StaticTokenAuth implements Authenticator {
  readonly canRelogin = false;
  private readonly style: HeaderStyle;
  constructor(
    private readonly token: string,
    mode: AuthHeaderMode,
  ) {
    this.style = mode === 'auto' ? 'vpsie-auth' : mode;
  }
  async headers(): Promise<Record<string, string>> {
    return tokenHeaders(this.token, this.style);
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

  private style: HeaderStyle;
  /** The session's token has been accepted at least once (so a refusal is not about the header). */
  private accepted = false;

  constructor(
    private readonly login: () => Promise<LoginResult>,
    private readonly options: { refreshSkewMs: number; now: () => number; headerMode: AuthHeaderMode },
  ) {
    this.style = options.headerMode === 'auto' ? 'vpsie-auth' : options.headerMode;
  }

  /** Whether the token goes as `Authorization: Bearer` (detected under 'auto', or configured). */
  get bearerSent(): boolean {
    return this.style !== 'vpsie-auth';
  }

  /** Whether it goes as `Vpsie-Auth`. */
  get vpsieAuthSent(): boolean {
    return this.style !== 'bearer';
  }

  async headers(): Promise<Record<string, string>> {
    const session = this.session;
    if (session && this.options.now() < session.accessExpiresAtMs - this.options.refreshSkewMs) {
      return tokenHeaders(session.accessToken, this.style);
    }
    this.loggingIn ??= this.login().finally(() => {
      this.loggingIn = undefined;
    });
    this.session = await this.loggingIn;
    this.accepted = false;
    return tokenHeaders(this.session.accessToken, this.style);
  }

  /** Called by the transport after a request with this session's token succeeded. */
  markAccepted(): void {
    this.accepted = true;
  }

  invalidate(refusedHeaders: Record<string, string>): void {
    if (!this.session || sentToken(refusedHeaders) !== this.session.accessToken) return; // another request logged in again already
    if (this.options.headerMode === 'auto' && this.style === 'vpsie-auth' && !this.accepted) {
      // A token fresh from the login, refused at once: this deployment wants Bearer. Keep the token.
      this.style = 'both';
      return;
    }
    this.session = undefined;
  }
}
