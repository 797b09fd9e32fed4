import { pino, type Logger, type LevelWithSilent } from 'pino';

export type { Logger };

// Cloud Logging reads `severity` and `message`; pino's numeric level and `msg` mean nothing to it.
const SEVERITY: Record<string, string> = {
  trace: 'DEBUG',
  debug: 'DEBUG',
  info: 'INFO',
  warn: 'WARNING',
  error: 'ERROR',
  fatal: 'CRITICAL',
};

export interface LoggerOptions {
  level?: LevelWithSilent;
  /** Where the JSON lines go; stderr by default so stdout stays free for data (NDJSON). */
  destination?: NodeJS.WritableStream;
  base?: Record<string, unknown>;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? ((process.env.ORDERFLOW_LOG_LEVEL as LevelWithSilent | undefined) || 'info');
  return pino(
    {
      level,
      messageKey: 'message',
      base: options.base ?? {},
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ severity: SEVERITY[label] ?? 'DEFAULT' }) },
    },
    (options.destination ?? process.stderr) as pino.DestinationStream,
  );
}
