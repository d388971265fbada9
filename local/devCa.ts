/**
 * `node dist/local/devCa.js`: makes the local host's development CA and localhost certificate if they are
 * not there yet (local/tls.ts) and prints the CA file, for `NODE_EXTRA_CA_CERTS=...` before a Node process
 * that must trust the local https URL starts (npm test does this for its workers).
 */
import { join } from 'node:path';
import { ensureDevCertificate } from './tls';

ensureDevCertificate(join(__dirname, '..', '..', '.local', 'tls'))
  .then((c) => process.stdout.write(`${c.caFile}\n`))
  .catch((e) => {
    console.error((e as Error).message);
    process.exit(1);
  });
