import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeXmlEntities, parseErrorBody } from '../../src/client/error-body.js';

test('reads the cloudapi/oauth JSON envelope', () => {
  const parsed = parseErrorBody('{"minorErrorCode":"invalid_grant","message":"Invalid refresh token","stackTrace":null}');
  assert.deepEqual(parsed, { minorErrorCode: 'invalid_grant', majorErrorCode: null, message: 'Invalid refresh token' });
});

test('reads the /api JSON form with a numeric majorErrorCode', () => {
  const parsed = parseErrorBody('{"message":"Bad filter","majorErrorCode":400,"minorErrorCode":"BAD_REQUEST"}');
  assert.deepEqual(parsed, { minorErrorCode: 'BAD_REQUEST', majorErrorCode: 400, message: 'Bad filter' });
});

test('reads VCD XML <Error> attributes, entity-decoded', () => {
  const xml =
    '<?xml version="1.0" encoding="UTF-8"?>\n<Error xmlns="http://www.vmware.com/vcloud/v1.5" majorErrorCode="403" ' +
    'message="[ 5bdd ] There is already a VM named &quot;web&amp;01&quot; &#x263A;" minorErrorCode="ACCESS_TO_RESOURCE_IS_FORBIDDEN" ' +
    "stackTrace='x > y'/>";
  assert.deepEqual(parseErrorBody(xml), {
    minorErrorCode: 'ACCESS_TO_RESOURCE_IS_FORBIDDEN',
    majorErrorCode: 403,
    message: '[ 5bdd ] There is already a VM named "web&01" ☺',
  });
});

test('reads a namespace-prefixed <vcloud:Error> and the 406 sample', () => {
  const parsed = parseErrorBody(
    '<vcloud:Error xmlns:vcloud="http://www.vmware.com/vcloud/v1.5" minorErrorCode="NOT_ACCEPTABLE" message="The request has invalid accept header" majorErrorCode="406"></vcloud:Error>',
  );
  assert.equal(parsed.minorErrorCode, 'NOT_ACCEPTABLE');
  assert.equal(parsed.majorErrorCode, 406);
});

test('reads a standard OAuth error body', () => {
  assert.deepEqual(parseErrorBody('{"error":"invalid_client","error_description":"Unknown client"}'), {
    minorErrorCode: 'invalid_client',
    majorErrorCode: null,
    message: 'Unknown client',
  });
});

test('keeps the first line of a short plain-text body and nothing of garbage', () => {
  assert.equal(parseErrorBody('Bad Gateway\nnginx').message, 'Bad Gateway');
  assert.equal(parseErrorBody('x'.repeat(400)).message, null);
  assert.deepEqual(parseErrorBody('{not json'), { minorErrorCode: null, majorErrorCode: null, message: null });
  assert.deepEqual(parseErrorBody('<html><body>oops</body></html>'), { minorErrorCode: null, majorErrorCode: null, message: null });
  assert.deepEqual(parseErrorBody(''), { minorErrorCode: null, majorErrorCode: null, message: null });
  assert.deepEqual(parseErrorBody('[1,2]'), { minorErrorCode: null, majorErrorCode: null, message: '[1,2]' });
});

test('decodeXmlEntities leaves unknown or out-of-range references alone', () => {
  assert.equal(decodeXmlEntities('&lt;a&gt; &apos;b&apos; &#65; &nbsp; &#x110000;'), "<a> 'b' A &nbsp; &#x110000;");
});
