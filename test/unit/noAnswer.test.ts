import { noAnswer } from '../../shared/storage/cosmos';

test('a store that did not answer: the SDK timeout and socket errors; not an answer, nor an error of something else', () => {
  const err = (code: unknown) => Object.assign(new Error('x'), { code });
  for (const code of ['TimeoutError', 'REQUEST_SEND_ERROR', 'ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT']) expect(noAnswer(err(code))).toBe(true);
  // an answer carries its HTTP status; a stream's or the app's own error is not the store's silence
  for (const code of [503, 429, 408, 412, 'ERR_STREAM_PREMATURE_CLOSE', 'invalidRequest', undefined]) expect(noAnswer(err(code))).toBe(false);
  expect(noAnswer(undefined)).toBe(false);
  expect(noAnswer('ECONNRESET')).toBe(false);
});
