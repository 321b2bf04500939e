/** The Mesh construct's access log options as mesh config keys, checked as Envoy parses formats. */
import { AccessLogEncoding, AccessLogOptions } from '../mesh/access-log';
import { accessLogJsonFormatProblem, accessLogTextFormatProblem } from '../model';

/** The access log settings written into the mesh config, as the reconciler reads them. */
export interface RenderedAccessLog {
  readonly accessLogFile: string;
  readonly accessLogEncoding: string;
  readonly accessLogFormat?: string;
}

/** Checks `options` (at `path`, for the error) and renders them as mesh config keys. */
export function renderAccessLog(path: string, options: AccessLogOptions): RenderedAccessLog {
  const file = options.file ?? '/dev/stdout';
  if (!file.startsWith('/')) {
    throw new Error(`[${path}] 'accessLog.file' is '${file}'; it must be an absolute path such as /dev/stdout`);
  }
  const encoding = options.encoding ?? AccessLogEncoding.TEXT;
  if (encoding === AccessLogEncoding.TEXT && options.jsonFormat) {
    throw new Error(`[${path}] 'accessLog.jsonFormat' is set with TEXT encoding; set 'encoding: AccessLogEncoding.JSON' or use 'textFormat'`);
  }
  if (encoding === AccessLogEncoding.JSON && options.textFormat !== undefined) {
    throw new Error(`[${path}] 'accessLog.textFormat' is set with JSON encoding; use 'jsonFormat' (key → operators) or TEXT encoding`);
  }
  const format = options.textFormat ?? (options.jsonFormat ? JSON.stringify(options.jsonFormat) : undefined);
  if (format !== undefined) {
    const key = encoding === AccessLogEncoding.JSON ? 'jsonFormat' : 'textFormat';
    const problem = encoding === AccessLogEncoding.JSON ? accessLogJsonFormatProblem(format) : accessLogTextFormatProblem(format);
    if (format === '' || problem) {
      throw new Error(`[${path}] 'accessLog.${key}' ${JSON.stringify(format)} would be refused by Envoy: ${problem ?? 'it is empty; leave it out for the default format'}`);
    }
  }
  return { accessLogFile: file, accessLogEncoding: encoding, ...(format !== undefined ? { accessLogFormat: format } : {}) };
}
