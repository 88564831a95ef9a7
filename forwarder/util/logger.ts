// The slice of a pino logger the forwarder uses; shared/logger.ts's createLogger satisfies it and
// tests pass `silentLogger` or a recording one.
export interface Logger {
  debug(fields: object, message?: string): void;
  info(fields: object, message?: string): void;
  warn(fields: object, message?: string): void;
  error(fields: object, message?: string): void;
  child(bindings: object): Logger;
}

export const silentLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  child: () => silentLogger,
};

export function errorFields(error: unknown): { err: string; errName?: string } {
  if (error instanceof Error) return { err: error.message, errName: error.name };
  return { err: String(error) };
}
