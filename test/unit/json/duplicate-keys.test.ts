import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { duplicateKeyPath } from '../../../lib/json/duplicate-keys.js';

describe('duplicateKeyPath', () => {
  it('names the first repeated key with its path, in objects and arrays at any depth', () => {
    expect(duplicateKeyPath('{"a":1,"b":2,"a":3}')).toEqual(['a']);
    expect(duplicateKeyPath('{"x":[0,{"u":"v","u":"w"}]}')).toEqual(['x', 1, 'u']);
    expect(duplicateKeyPath('{"a\\u0062":1, "ab" :2}')).toEqual(['ab']);
    expect(duplicateKeyPath('{"a":{"k":1},"b":{"k":1}}')).toBeNull();
    expect(duplicateKeyPath('{"s":"\\"a\\":1,\\"a\\":2","a":1}')).toBeNull();
    expect(duplicateKeyPath('[{"a":1},{"a":1}]')).toBeNull();
  });

  it('finds none in what JSON.stringify writes', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => duplicateKeyPath(JSON.stringify(value)) === null)
    );
  });
});
