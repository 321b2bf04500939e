/**
 * Structured JSON logs (pino). Every component takes a logger so tests can silence or capture it.
 */
import pino from 'pino';

export type Logger = pino.Logger;

export interface LoggerOptions {
  /** @default 'info', or $LOG_LEVEL */
  readonly level?: string;
}

/** The process logger: JSON lines on stdout, one field per fact so log queries stay simple. */
export function createLogger(options: LoggerOptions = {}): Logger {
  return pino({
    level: options.level ?? process.env.LOG_LEVEL ?? 'info',
    base: { component: 'reconciler' },
  });
}

/** A logger that drops everything, for tests and embedding. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
