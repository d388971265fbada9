/**
 * The local host's https certificate: a development CA and a `localhost` certificate signed by it, made
 * once into `.local/tls/` (never committed, never deployed) and reused while valid.
 *
 * Why https at all: Graph SDKs attach the bearer token only to https:// URLs (the JS SDK's
 * GraphRequestUtil.isValidEndpoint), so a Graph client can only talk to the local service over https.
 * Why a CA and not one self-signed leaf: Node trusts a CA given in NODE_EXTRA_CA_CERTS, and a browser can
 * import the same CA once; the leaf can then be renewed without anyone trusting anything again.
 * `selfsigned` (on @peculiar/x509 and WebCrypto) makes both; no download, no OpenSSL binary.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { generate } from 'selfsigned';

export interface DevCertificate {
  key: string;
  cert: string;
  /** The CA certificate file: NODE_EXTRA_CA_CERTS=<this> makes Node trust the local host. */
  caFile: string;
}

const DAY = 24 * 3600 * 1000;

/** Valid for at least another week, for these names? */
function usable(certPem: string, caPem: string): boolean {
  try {
    const cert = new X509Certificate(certPem);
    const ca = new X509Certificate(caPem);
    return (
      Date.parse(cert.validTo) - Date.now() > 7 * DAY &&
      Date.parse(ca.validTo) - Date.now() > 7 * DAY &&
      cert.checkIssued(ca) &&
      cert.checkHost('localhost') !== undefined
    );
  } catch {
    return false;
  }
}

/** The certificate for `localhost`, 127.0.0.1 and ::1, made at first start. */
export async function ensureDevCertificate(dir = join(process.cwd(), '.local', 'tls')): Promise<DevCertificate> {
  const files = { caCert: join(dir, 'dev-ca.pem'), caKey: join(dir, 'dev-ca-key.pem'), cert: join(dir, 'localhost.pem'), key: join(dir, 'localhost-key.pem') };
  if (Object.values(files).every((f) => existsSync(f))) {
    const [cert, caCert] = [readFileSync(files.cert, 'utf8'), readFileSync(files.caCert, 'utf8')];
    if (usable(cert, caCert)) return { key: readFileSync(files.key, 'utf8'), cert, caFile: files.caCert };
  }
  mkdirSync(dir, { recursive: true });
  const now = new Date(Date.now() - 60_000);
  let caCert = existsSync(files.caCert) ? readFileSync(files.caCert, 'utf8') : '';
  let caKey = existsSync(files.caKey) ? readFileSync(files.caKey, 'utf8') : '';
  // keep a CA that is still good (a browser may trust it already); renew only the leaf
  if (!caCert || !caKey || !usable(caCert, caCert)) {
    const ca = await generate([{ name: 'commonName', value: 'License assignment service local development CA' }], {
      keySize: 2048,
      algorithm: 'sha256',
      notBeforeDate: now,
      notAfterDate: new Date(now.getTime() + 5 * 365 * DAY),
      extensions: [
        { name: 'basicConstraints', cA: true, critical: true },
        { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
      ],
    });
    caCert = ca.cert;
    caKey = ca.private;
    writeFileSync(files.caKey, caKey, { mode: 0o600 });
    writeFileSync(files.caCert, caCert);
  }
  const leaf = await generate([{ name: 'commonName', value: 'localhost' }], {
    keySize: 2048,
    algorithm: 'sha256',
    notBeforeDate: now,
    // browsers refuse server certificates valid for more than 398 days
    notAfterDate: new Date(now.getTime() + 390 * DAY),
    ca: { key: caKey, cert: caCert },
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
          { type: 7, ip: '::1' },
        ],
      },
    ],
  });
  writeFileSync(files.key, leaf.private, { mode: 0o600 });
  writeFileSync(files.cert, leaf.cert);
  return { key: leaf.private, cert: leaf.cert, caFile: files.caCert };
}
