import { VpsieError, VpsieInvalidResponseError } from './errors.ts';
import { loginShape, type LoginResult } from './schemas.ts';
import type { Transport } from './transport.ts';

// Client-credentials login (`POST /apps/v2/auth/from/api`). The body is JSON in the SDK and
// form-encoded in the one later tool that claims a working login: 'auto' tries JSON first and the form
// once after a refusal, then keeps what worked.

export type LoginBody = 'json' | 'form' | 'auto';

export class LoginCall {
  constructor(
    private readonly transport: Transport,
    /** The body that works: configured, or detected at the first login ('auto' until then). */
    public body: LoginBody,
  ) {}

  async login(clientId: string, clientSecret: string): Promise<LoginResult> {
    const send = (body: 'json' | 'form') =>
      this.transport.request({
        operation: 'login',
        method: 'POST',
        path: '/apps/v2/auth/from/api',
        ...(body === 'json' ? { json: { clientId, clientSecret } } : { form: { clientId, clientSecret } }),
        retry: 'safe',
        authenticated: false,
        envelope: false,
      });
    let answer: unknown;
    if (this.body !== 'auto') answer = await send(this.body);
    else {
      try {
        answer = await send('json');
        this.body = 'json';
      } catch (error) {
        // Refused (not an outage): this deployment may want the form-encoded body. Once.
        if (!(error instanceof VpsieError) || error.retryable) throw error;
        answer = await send('form');
        this.body = 'form';
      }
    }
    // Either shape, at the top level or inside an envelope's `data`.
    for (const candidate of [answer, (answer as { data?: unknown } | null)?.data]) {
      const parsed = loginShape.safeParse(candidate);
      if (parsed.success) return parsed.data;
    }
    throw new VpsieInvalidResponseError('login: answer has neither {token:{access,refresh}} nor {accessToken,refreshToken}', {
      operation: 'login',
      bodySnippet: JSON.stringify(answer).slice(0, 300),
    });
  }
}
