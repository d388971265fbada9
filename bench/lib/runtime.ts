/** The runtime a benchmark measured, for its header: figures from another Node, platform or machine are not comparable. */
import { availableParallelism, cpus, totalmem } from 'node:os';

/** `runtime: Node v22.23.5 (V8 12.4.254.21-node.57), linux x64, 2 cores (AMD EPYC), 23.5 GB memory` */
export function runtime(): string {
  const model = cpus()[0]?.model.trim() || 'model unknown';
  return (
    `runtime: Node ${process.version} (V8 ${process.versions.v8}), ${process.platform} ${process.arch}, ` +
    `${availableParallelism()} cores (${model}), ${(totalmem() / 2 ** 30).toFixed(1)} GB memory`
  );
}
