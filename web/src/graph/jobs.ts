/**
 * Bulk license jobs: a selection (or a CSV) is handed to the service, which works through it on its
 * queue; the console previews (dry run), starts, follows progress, lists results, downloads failed rows
 * and cancels.
 */
import { Client, ResponseType } from '@microsoft/microsoft-graph-client';
import type { Collection, CreateLicenseJob, LicenseJob } from './types';

/** One Idempotency-Key per start: a retry of the same click never starts a second job. */
export const createLicenseJob = (client: Client, body: CreateLicenseJob, idempotencyKey = crypto.randomUUID()) =>
  client.api('/licenseJobs').header('Idempotency-Key', idempotencyKey).post(body) as Promise<LicenseJob>;

export interface ImportOptions {
  mode: 'add' | 'replace';
  dryRun: boolean;
  createMissingUsers: boolean;
}

export const importCsv = (client: Client, csv: string, o: ImportOptions, idempotencyKey = crypto.randomUUID()) =>
  client
    .api('/licenseJobs/import')
    .query({ mode: o.mode, dryRun: String(o.dryRun), createMissingUsers: String(o.createMissingUsers) })
    .header('Content-Type', 'text/csv')
    .header('Idempotency-Key', idempotencyKey)
    .post(csv) as Promise<LicenseJob>;

export const listJobs = async (client: Client) => ((await client.api('/licenseJobs').top(50).get()) as Collection<LicenseJob>).value;

export const getJob = (client: Client, id: string) => client.api(`/licenseJobs/${id}`).get() as Promise<LicenseJob>;

/** A job's results, a page at a time; only the failed ones when asked. */
export const jobResultsRequest = (client: Client, id: string, failedOnly: boolean, top = 100) => {
  const r = client.api(`/licenseJobs/${id}/results`).top(top);
  return failedOnly ? r.query({ status: 'failed' }) : r;
};

/** The failed rows as the service writes them (CSV: the original columns plus errorCode and errorMessage). */
export const failedRowsCsv = (client: Client, id: string) =>
  client.api(`/licenseJobs/${id}/failedRows`).responseType(ResponseType.TEXT).get() as Promise<string>;

export const cancelJob = (client: Client, id: string) => client.api(`/licenseJobs/${id}/cancel`).post({}) as Promise<LicenseJob>;

const FINAL: LicenseJob['status'][] = ['completed', 'completedWithErrors', 'failed', 'cancelled'];
export const isFinal = (job: LicenseJob) => FINAL.includes(job.status);
