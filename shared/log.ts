/**
 * Structured log lines (one JSON object per line) carrying the request id and tenant id, so an operator
 * can follow one request or one tenant. LOG_LEVEL=silent|error|warn|info (default info).
 */
type Level = 'error' | 'warn' | 'info';
const order: Record<Level | 'silent', number> = { silent: 0, error: 1, warn: 2, info: 3 };

function threshold(): number {
  const l = (process.env.LOG_LEVEL ?? 'info').toLowerCase() as Level | 'silent';
  return order[l] ?? order.info;
}

function write(level: Level, message: string, fields: Record<string, unknown>) {
  if (order[level] > threshold()) return;
  const line = JSON.stringify({ time: new Date().toISOString(), level, message, ...fields });
  (level === 'error' ? process.stderr : process.stdout).write(line + '\n');
}

export const log = {
  error: (message: string, fields: Record<string, unknown> = {}) => write('error', message, fields),
  warn: (message: string, fields: Record<string, unknown> = {}) => write('warn', message, fields),
  info: (message: string, fields: Record<string, unknown> = {}) => write('info', message, fields),
};
