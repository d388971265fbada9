/**
 * Issue 19, item 6 (low, local only): the development CA that `npm start` makes (and docs/console.md suggests
 * trusting) had no name constraints, so its key could sign a certificate for any site. It now carries a
 * critical nameConstraints extension permitting `localhost`, 127.0.0.1 and ::1 only; a CA made by an
 * earlier start without it is replaced on the next start. Checked with Node's own TLS (OpenSSL): the
 * localhost certificate is taken, a certificate for another name signed with the same key is refused.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { X509Certificate as NodeX509, webcrypto } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, createServer } from 'node:tls';
import { AsnConvert } from '@peculiar/asn1-schema';
import { id_ce_nameConstraints, NameConstraints } from '@peculiar/asn1-x509';
import * as x509 from '@peculiar/x509';
import { constrained, ensureDevCertificate } from '../../local/tls';

const crypto = webcrypto as unknown as Crypto;
const RSA = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', publicExponent: new Uint8Array([1, 0, 1]), modulusLength: 2048 };
const DAY = 86_400_000;
const pemKey = async (k: CryptoKey) => x509.PemConverter.encode(await crypto.subtle.exportKey('pkcs8', k), 'PRIVATE KEY');

let dir: string;
beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'dev-ca-'))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string) => readFileSync(join(dir, name), 'utf8');

/** A certificate for `names` signed with the CA's key (what a stolen key could make). */
async function signedByCa(names: { type: 'dns' | 'ip'; value: string }[]): Promise<{ cert: string; key: string }> {
  const ca = new x509.X509Certificate(file('dev-ca.pem'));
  const signingKey = await crypto.subtle.importKey('pkcs8', x509.PemConverter.decodeFirst(file('dev-ca-key.pem')), RSA, false, ['sign']);
  const keys = await crypto.subtle.generateKey(RSA, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.create(
    {
      serialNumber: '0a',
      subject: `CN=${names[0].value}`,
      issuer: ca.subject,
      notBefore: new Date(Date.now() - 60_000),
      notAfter: new Date(Date.now() + DAY),
      publicKey: keys.publicKey,
      signingKey,
      signingAlgorithm: RSA,
      extensions: [new x509.SubjectAlternativeNameExtension(names), new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth])],
    },
    crypto,
  );
  return { cert: cert.toString('pem'), key: await pemKey(keys.privateKey) };
}

/** A TLS handshake with a server holding `cert`, the client trusting the dev CA only: accepted, or the error. */
async function handshake(server: { cert: string; key: string }, servername: string): Promise<string> {
  const srv = createServer(server, (s) => s.end());
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  try {
    return await new Promise<string>((resolve) => {
      const s = connect({ host: '127.0.0.1', port, servername, ca: file('dev-ca.pem') }, () => {
        s.destroy();
        resolve('accepted');
      });
      s.on('error', (e) => resolve(e.message));
    });
  } finally {
    srv.close();
  }
}

test('a CA made by an earlier start (no name constraints) is replaced on the next start, and the leaf with it', async () => {
  // what local/tls.ts made before: a CA with basicConstraints and keyUsage only
  const keys = await crypto.subtle.generateKey(RSA, true, ['sign', 'verify']);
  const old = await x509.X509CertificateGenerator.createSelfSigned(
    {
      name: 'CN=License assignment service local development CA',
      notBefore: new Date(Date.now() - DAY),
      notAfter: new Date(Date.now() + 365 * DAY),
      keys,
      signingAlgorithm: RSA,
      extensions: [new x509.BasicConstraintsExtension(true, undefined, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true)],
    },
    crypto,
  );
  writeFileSync(join(dir, 'dev-ca.pem'), old.toString('pem'));
  writeFileSync(join(dir, 'dev-ca-key.pem'), await pemKey(keys.privateKey));
  expect(constrained(file('dev-ca.pem'))).toBe(false);
  // its leaf, still valid for a year: kept by the earlier rule, replaced now
  writeFileSync(join(dir, 'localhost.pem'), 'stale');
  writeFileSync(join(dir, 'localhost-key.pem'), 'stale');

  const made = await ensureDevCertificate(dir);
  expect(made.caFile).toBe(join(dir, 'dev-ca.pem'));
  expect(file('dev-ca.pem')).not.toBe(old.toString('pem'));
  expect(constrained(file('dev-ca.pem'))).toBe(true);
  expect(new NodeX509(made.cert).verify(new NodeX509(file('dev-ca.pem')).publicKey)).toBe(true);

  // the next start keeps both (a browser may trust the CA already)
  const [ca, leaf] = [file('dev-ca.pem'), file('localhost.pem')];
  await ensureDevCertificate(dir);
  expect([file('dev-ca.pem'), file('localhost.pem')]).toEqual([ca, leaf]);
});

test('the CA carries a critical nameConstraints extension permitting localhost, 127.0.0.1/32 and ::1/128 only', () => {
  const ext = new x509.X509Certificate(file('dev-ca.pem')).getExtension(id_ce_nameConstraints);
  expect(ext?.critical).toBe(true);
  const nc = AsnConvert.parse(ext!.value, NameConstraints);
  expect(nc.excludedSubtrees).toBeUndefined();
  const permitted = [...nc.permittedSubtrees!].map((s) => s.base.dNSName ?? s.base.iPAddress);
  expect(permitted).toEqual(['localhost', '127.0.0.1/32', '::1/128']);
  const basic = new x509.X509Certificate(file('dev-ca.pem')).getExtension(x509.BasicConstraintsExtension);
  expect(basic).toMatchObject({ ca: true, pathLength: 0, critical: true });
});

test("Node's TLS takes the localhost certificate it signs, and refuses one for another name signed with the same key", async () => {
  expect(await handshake({ cert: file('localhost.pem'), key: file('localhost-key.pem') }, 'localhost')).toBe('accepted');
  // any certificate inside the constraints is fine (a renewed leaf, say)
  const inside = await signedByCa([
    { type: 'dns', value: 'localhost' },
    { type: 'ip', value: '::1' },
  ]);
  expect(await handshake(inside, 'localhost')).toBe('accepted');
  expect(await handshake(await signedByCa([{ type: 'dns', value: 'login.microsoftonline.com' }]), 'login.microsoftonline.com')).toMatch(
    /permitted subtree violation/,
  );
  expect(await handshake(await signedByCa([{ type: 'ip', value: '10.0.0.1' }]), 'localhost')).toMatch(/permitted subtree violation/);
});
