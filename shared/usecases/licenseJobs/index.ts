/** Bulk license jobs (see chunkRunner.ts for how a job runs). */
export { CHUNK_SIZE, CHUNKS_IN_FLIGHT } from './queue';
export type { ChunkMessage } from './queue';
export { createCsvJob, createSelectionJob, MAX_CSV_RECORD_CHARS } from './intake';
export type { JobOptions } from './intake';
export { cancelJob, failedRowsCsv, getJob, jobResults, RESULT_CHUNKS_PER_PAGE } from './reads';
export { failChunk, processChunk } from './chunkRunner';
