import { describe, expect, it } from 'vitest';
import { AppError, CompactError, ConfigError, ConflictError, describeError, ValidationError } from './errors.ts';

describe('errors', () => {
  it('set name and code and carry the cause', () => {
    const cause = new Error('root');
    const error = new ConflictError('lease is held', { cause });
    expect(error).toBeInstanceOf(AppError);
    expect(error.name).toBe('ConflictError');
    expect(error.code).toBe('conflict');
    expect(error.cause).toBe(cause);
    expect(new CompactError('pod a/b', 'bad').message).toBe('pod a/b: bad');
  });

  it('a ValidationError lists every problem with its path', () => {
    const error = new ConfigError('config', [{ path: 'a.b', message: 'required' }, { path: '', message: 'bad' }]);
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.name).toBe('ConfigError');
    expect(error.message).toBe('config is invalid:\n  - a.b: required\n  - (root): bad');
  });

  it('describes an error with its causes', () => {
    expect(describeError(new AppError('outer', { cause: new TypeError('inner') }))).toBe('AppError: outer <- caused by TypeError: inner');
    expect(describeError('plain')).toBe('plain');
  });
});
