/**
 * The local host's https certificate: a development CA and a `localhost` certificate signed by it, made
 * once into `.local/tls/` (never committed, never deployed) and reused while valid.
 *
 * Why https at all: Graph SDKs attach the bearer token only to https:// URLs (the JS SDK's
 * GraphRequestUtil.isValidEndpoint), so a Graph client can only talk to the local service over https.
 * Why a CA and not one self-signed leaf: Node trusts a CA given in NODE_EXTRA_CA_CERTS, and a browser can
 * import the same CA once; the leaf can then be renewed without anyone trusting anything again.
 *
 * docs/console.md ("Locally") suggests trusting the CA, so it can vouch for this machine's loopback names and nothing else:
 * a critical nameConstraints extension (RFC 5280 4.2.1.10) permits only the DNS name `localhost` and the
 * addresses 127.0.0.1/32 and ::1/128. Were its key ever copied off `.local/`, it still could not sign a
 * certificate a browser or Node would take for any other site. A CA made by an earlier start without the
 * constraint is replaced on the next start.
 *
 * Made with `@peculiar/x509` (on WebCrypto; no download, no OpenSSL binary), the library the `selfsigned`
 * package wraps: `selfsigned` drops any extension it does not know, nameConstraints among them, and
 * `@peculiar/x509` takes any extension by its DER value, which `@peculiar/asn1-x509`'s NameConstraints
 * schema encodes (with the address-and-mask form iPAddress takes in a constraint).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes, webcrypto, X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { AsnConvert } from '@peculiar/asn1-schema';
import { GeneralName, GeneralSubtree, GeneralSubtrees, id_ce_nameConstraints, NameConstraints } from '@peculiar/asn1-x509';
import * as x509 from '@peculiar/x509';

export interface DevCertificate {
  key: string;
  cert: string;
  /** The CA certificate file: NODE_EXTRA_CA_CERTS=<this> makes Node trust the local host. */
  caFile: string;
}

const DAY = 24 * 3600 * 1000;
const crypto = webcrypto as unknown as Crypto;
const RSA = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', publicExponent: new Uint8Array([1, 0, 1]), modulusLength: 2048 };

/** The names the CA may vouch for: this machine's loopback names only. */
export const PERMITTED = { dns: ['localhost'], ip: ['127.0.0.1/32', '::1/128'] };

/** The DER value of the CA's nameConstraints extension (permitted subtrees only). */
export function nameConstraintsValue(): ArrayBuffer {
  const subtrees = [
    ...PERMITTED.dns.map((dNSName) => new GeneralSubtree({ base: new GeneralName({ dNSName }) })),
    ...PERMITTED.ip.map((iPAddress) => new GeneralSubtree({ base: new GeneralName({ iPAddress }) })),
  ];
  return AsnConvert.serialize(new NameConstraints({ permittedSubtrees: new GeneralSubtrees(subtrees) }));
}

/** Whether a CA certificate carries exactly this project's name constraints, marked critical. */
export function constrained(caPem: string): boolean {
  const ext = new x509.X509Certificate(caPem).getExtension(id_ce_nameConstraints);
  return !!ext && ext.critical && Buffer.from(ext.value).equals(Buffer.from(nameConstraintsValue()));
}

/** Valid for at least another week, for these names, signed by this CA, and the CA constrained? */
function usable(certPem: string, caPem: string): boolean {
  try {
    const cert = new X509Certificate(certPem);
    const ca = new X509Certificate(caPem);
    return (
      Date.parse(cert.validTo) - Date.now() > 7 * DAY &&
      Date.parse(ca.validTo) - Date.now() > 7 * DAY &&
      cert.checkIssued(ca) &&
      cert.verify(ca.publicKey) &&
      cert.checkHost('localhost') !== undefined &&
      constrained(caPem)
    );
  } catch {
    return false;
  }
}

const serial = () => {
  const b = randomBytes(16);
  b[0] &= 0x7f; // a positive integer
  return b.toString('hex');
};

const pemKey = async (key: CryptoKey) => x509.PemConverter.encode(await crypto.subtle.exportKey('pkcs8', key), 'PRIVATE KEY');

async function makeCa(notBefore: Date): Promise<{ cert: string; key: string }> {
  const keys = await crypto.subtle.generateKey(RSA, true, ['sign', 'verify']);
  const ca = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: serial(),
      name: 'CN=License assignment service local development CA',
      notBefore,
      notAfter: new Date(notBefore.getTime() + 5 * 365 * DAY),
      keys,
      signingAlgorithm: RSA,
      extensions: [
        // a CA of leaves only (no intermediate below it), for loopback names only
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        new x509.Extension(id_ce_nameConstraints, true, nameConstraintsValue()),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, crypto),
      ],
    },
    crypto,
  );
  return { cert: ca.toString('pem'), key: await pemKey(keys.privateKey) };
}

async function makeLeaf(notBefore: Date, caPem: string, caKeyPem: string): Promise<{ cert: string; key: string }> {
  const ca = new x509.X509Certificate(caPem);
  const signingKey = await crypto.subtle.importKey('pkcs8', x509.PemConverter.decodeFirst(caKeyPem), RSA, false, ['sign']);
  const keys = await crypto.subtle.generateKey(RSA, true, ['sign', 'verify']);
  const leaf = await x509.X509CertificateGenerator.create(
    {
      serialNumber: serial(),
      subject: 'CN=localhost',
      issuer: ca.subject,
      notBefore,
      // browsers refuse server certificates valid for more than 398 days
      notAfter: new Date(notBefore.getTime() + 390 * DAY),
      publicKey: keys.publicKey,
      signingKey,
      signingAlgorithm: RSA,
      extensions: [
        new x509.BasicConstraintsExtension(false),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
        // every name inside the CA's constraints
        new x509.SubjectAlternativeNameExtension([
          { type: 'dns', value: 'localhost' },
          { type: 'ip', value: '127.0.0.1' },
          { type: 'ip', value: '::1' },
        ]),
        await x509.AuthorityKeyIdentifierExtension.create(ca.publicKey, false, crypto),
      ],
    },
    crypto,
  );
  return { cert: leaf.toString('pem'), key: await pemKey(keys.privateKey) };
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
  // keep a CA that is still good and constrained (a browser may trust it already); renew only the leaf
  if (!caCert || !caKey || !usableCa(caCert)) {
    ({ cert: caCert, key: caKey } = await makeCa(now));
    writeFileSync(files.caKey, caKey, { mode: 0o600 });
    writeFileSync(files.caCert, caCert);
  }
  const leaf = await makeLeaf(now, caCert, caKey);
  writeFileSync(files.key, leaf.key, { mode: 0o600 });
  writeFileSync(files.cert, leaf.cert);
  return { key: leaf.key, cert: leaf.cert, caFile: files.caCert };
}

/** A CA valid for at least another week, with the name constraints (an older start's CA has none: replaced). */
function usableCa(caPem: string): boolean {
  try {
    return Date.parse(new X509Certificate(caPem).validTo) - Date.now() > 7 * DAY && constrained(caPem);
  } catch {
    return false;
  }
}
