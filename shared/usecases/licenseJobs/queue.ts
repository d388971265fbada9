/** A job's chunks on the `license-jobs` queue: at most CHUNKS_IN_FLIGHT messages per job at a time. */
import { z } from 'zod';
import { licenseJobChunkMessage } from '../../schemas/contracts';
import { JobDoc } from '../../storage/jobs';
import { QUEUES, sendMessage } from '../../storage/queues';

export const CHUNK_SIZE = 100;
export const CHUNKS_IN_FLIGHT = 4;

export type ChunkMessage = z.infer<typeof licenseJobChunkMessage>;

export const enqueue = (m: ChunkMessage) => sendMessage(QUEUES.licenseJobs, m);

export async function enqueueFirstChunks(job: JobDoc): Promise<void> {
  const n = Math.min(CHUNKS_IN_FLIGHT, job.chunkCount);
  await Promise.all(Array.from({ length: n }, (_, chunk) => enqueue({ tenantId: job.tenantId, jobId: job.id, chunk, phase: job.phase })));
}
