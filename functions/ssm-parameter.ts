import { createHash, createHmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { AppError } from '../shared/errors.ts';

// GetParameter (SSM Parameter Store, SecureString decrypted) as one signed HTTPS call. Why not
// @aws-sdk/client-ssm: it added 220 KiB to the Lambda bundle for a single call made once per cold
// start; the SigV4 signer is already in the bundle (the DynamoDB client uses it).
// Credentials come from the environment, which is where Lambda puts the function role's.

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface ReadParameterOptions {
  name: string;
  region: string;
  credentials: AwsCredentials;
  /** Default https://ssm.<region>.amazonaws.com; tests point it at a local server. */
  endpoint?: string;
  fetch?: typeof fetch;
}

export class SsmParameterError extends AppError {
  override name = 'SsmParameterError';
}

export function credentialsFromEnv(env: Record<string, string | undefined>): AwsCredentials | undefined {
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey) return undefined;
  return { accessKeyId, secretAccessKey, ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}) };
}

export async function readSsmParameter(options: ReadParameterOptions): Promise<string> {
  const url = new URL(options.endpoint ?? `https://ssm.${options.region}.amazonaws.com/`);
  const body = JSON.stringify({ Name: options.name, WithDecryption: true });
  const signer = new SignatureV4({ service: 'ssm', region: options.region, credentials: options.credentials, sha256: NodeSha256 });
  const signed = await signer.sign({
    method: 'POST',
    protocol: url.protocol,
    hostname: url.hostname,
    ...(url.port ? { port: Number(url.port) } : {}),
    path: url.pathname,
    query: {},
    headers: { host: url.host, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AmazonSSM.GetParameter' },
    body,
  });
  const response = await (options.fetch ?? fetch)(url, { method: 'POST', headers: signed.headers, body });
  const text = await response.text();
  if (!response.ok) {
    // AWS error bodies name the error type (ParameterNotFound, AccessDeniedException); never a value.
    const type = safeJson(text)?.__type ?? `HTTP ${response.status}`;
    throw new SsmParameterError(`GetParameter ${options.name} failed: ${String(type)}`);
  }
  const value = (safeJson(text) as { Parameter?: { Value?: unknown } } | undefined)?.Parameter?.Value;
  if (typeof value !== 'string') throw new SsmParameterError(`GetParameter ${options.name} answered without a value`);
  return value;
}

function safeJson(text: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** The hash the signer needs (a sha256, or an HMAC-sha256 when given a secret), from node:crypto. */
export class NodeSha256 {
  private readonly hash;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    const key = secret === undefined ? undefined : typeof secret === 'string' ? secret : Buffer.from(ArrayBuffer.isView(secret) ? new Uint8Array(secret.buffer, secret.byteOffset, secret.byteLength) : new Uint8Array(secret));
    this.hash = key === undefined ? createHash('sha256') : createHmac('sha256', key);
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(typeof data === 'string' ? data : ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset(): void {
    throw new Error('not needed by the signer');
  }
}
