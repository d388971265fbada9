// Writes dist/web/console-config.json for the console in Azure, from the azd environment (azd passes its
// values to hooks as environment variables): sign in with Entra ID (MSAL), call the Function App's API.
// Run by azure.yaml's `web` prepackage hook after `npm run build:web` (an argument names another file). Locally the local host answers
// console-config.json itself (dev sign-in), so this file is for Azure only.
import { readFileSync, writeFileSync } from 'node:fs';

const need = (name, hint) => {
  const v = process.env[name];
  if (!v) {
    console.error(`${name} is not set. ${hint}`);
    process.exit(1);
  }
  return v;
};
const apiBaseUrl = need('SERVICE_API_ENDPOINT', 'Run `azd provision` first: it outputs the API address.');
const clientId = need(
  'CONSOLE_CLIENT_ID',
  "Register the console as a single-page application in Entra ID and run `azd env set CONSOLE_CLIENT_ID <its client id>` (infra/README.md, 'The admin console').",
);
// AUTH_AUDIENCE may list the API's client id and its api://... URI: either names the API in a scope; the first is used
const audience = need('AUTH_AUDIENCE', 'Run `azd env set AUTH_AUDIENCE <the API app registration>` (docs/deploy.md).')
  .split(',')
  .map((a) => a.trim())
  .find(Boolean);
// the deployment's cloud (the Bicep's output AZURE_CLOUD, environment().name): its Entra ID signs the admin in,
// from the same table the service reads its issuers from
const clouds = JSON.parse(readFileSync(new URL('../shared/domain/clouds.json', import.meta.url), 'utf8'));
const cloud = process.env.AZURE_CLOUD || 'AzureCloud';
if (!clouds[cloud]) {
  console.error(`AZURE_CLOUD is ${cloud}: it must be one of ${Object.keys(clouds).join(', ')} (the Bicep's environment().name).`);
  process.exit(1);
}
const authorityHost = clouds[cloud].authorityHost;
const authority = process.env.CONSOLE_AUTHORITY || `${authorityHost}/organizations`;
if (new URL(authority).origin !== new URL(authorityHost).origin) {
  console.error(
    `CONSOLE_AUTHORITY ${authority} is not on ${authorityHost}, the Entra ID of ${cloud} where this deployment is. Use ${authorityHost}/<tenant id>.`,
  );
  process.exit(1);
}
const config = {
  signIn: 'msal',
  apiBaseUrl,
  msal: {
    clientId,
    // any work or school account of the deployment's cloud; the API still accepts only organizations it serves
    authority,
    scopes: [`${audience.replace(/\/$/, '')}/.default`],
  },
};
const out = process.argv[2] ?? new URL('../dist/web/console-config.json', import.meta.url);
writeFileSync(out, `${JSON.stringify(config, null, 2)}\n`);
console.log(`${out}: API ${apiBaseUrl}, Entra ID app ${clientId}`);
