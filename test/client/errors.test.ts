import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VcdApiError, VcdClientError, isVcdClientError, type VcdErrorCode } from '../../src/client/errors.js';

const details = (status: number, minorErrorCode: string | null) => ({
  status,
  minorErrorCode,
  majorErrorCode: null,
  message: 'server says no',
  requestId: 'req-1',
  method: 'GET',
  url: 'https://vcd.example.com/cloudapi/1.0.0/tokens',
  retryAfterSeconds: null,
});

test('maps status and minorErrorCode to a code union', () => {
  const cases: Array<[number, string | null, VcdErrorCode]> = [
    [400, 'invalid_grant', 'ERR_VCD_INVALID_GRANT'],
    [401, 'invalid_grant', 'ERR_VCD_INVALID_GRANT'],
    [401, 'TOTP_REQUIRED', 'ERR_VCD_TOTP_REQUIRED'],
    [401, 'TOTP_INVALID', 'ERR_VCD_TOTP_INVALID'],
    [400, 'BAD_REQUEST', 'ERR_VCD_BAD_REQUEST'],
    [401, 'UNAUTHORIZED', 'ERR_VCD_UNAUTHORIZED'],
    [403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN', 'ERR_VCD_FORBIDDEN'],
    [404, null, 'ERR_VCD_NOT_FOUND'],
    [406, 'NOT_ACCEPTABLE', 'ERR_VCD_NOT_ACCEPTABLE'],
    [429, 'TOTP_LOCKED', 'ERR_VCD_RATE_LIMITED'],
    [503, null, 'ERR_VCD_SERVER'],
    [418, null, 'ERR_VCD_HTTP'],
  ];
  for (const [status, minor, code] of cases) assert.equal(new VcdApiError(details(status, minor)).code, code, `${status} ${minor}`);
});

test('the message names the request, status, minor code and server message; fields are kept', () => {
  const error = new VcdApiError(details(403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN'));
  assert.equal(error.message, 'GET https://vcd.example.com/cloudapi/1.0.0/tokens: 403 ACCESS_TO_RESOURCE_IS_FORBIDDEN: server says no');
  assert.equal(error.serverMessage, 'server says no');
  assert.equal(error.requestId, 'req-1');
  assert.ok(error instanceof VcdClientError);
  assert.ok(isVcdClientError(error));
  assert.equal(isVcdClientError(new Error('x')), false);
});

test('a description replaces the message but not the fields', () => {
  const error = new VcdApiError(details(400, 'invalid_grant'), 'The API token was refused');
  assert.equal(error.message, 'The API token was refused');
  assert.equal(error.minorErrorCode, 'invalid_grant');
  assert.equal(error.status, 400);
});
