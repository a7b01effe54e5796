import { describe, expect, it } from 'vitest';
import { ioError } from '../../src/storage/storageError.js';

describe('ioError', () => {
  it('names the real cause of a refusal, code first, in words a user acts on', () => {
    const cases: [string, string][] = [
      ['ENOSPC', 'no space left on device'],
      ['EROFS', 'read-only file system'],
      ['EACCES', 'permission denied'],
      ['ESPIPE', 'not a regular file: a pipe or socket?'],
      ['EINVAL', 'invalid argument: not a regular file, or a file system that refuses this operation'],
    ];
    for (const [code, words] of cases) {
      expect(ioError('write', '/d/f', Object.assign(new Error('x'), { code }))).toEqual({ _tag: 'StorageError', code: 'io', message: `cannot write /d/f: ${code} (${words})` });
    }
    expect(ioError('read', '/d/f', Object.assign(new Error('x'), { code: 'EWEIRD' })).message).toBe('cannot read /d/f: EWEIRD');
    expect(ioError('read', '/d/f', new Error('boom')).message).toBe('cannot read /d/f: boom');
  });
});
