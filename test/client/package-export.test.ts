import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as sdk from 'tessera/client';

test('the SDK is importable as tessera/client with its public surface', () => {
  for (const name of ['createVcdApiHeaders', 'VcdClient', 'VcdApiError', 'VcdNetworkError', 'VcdResponseError', 'parseErrorBody']) {
    assert.equal(typeof (sdk as Record<string, unknown>)[name], 'function', name);
  }
  assert.equal(sdk.DEFAULT_API_VERSION, '37.0');
});
