/** How access log lines are written (Istio's `accessLogEncoding`). */
export enum AccessLogEncoding {
  /** One line of text per request or connection. */
  TEXT = 'TEXT',
  /** One JSON object per request or connection. */
  JSON = 'JSON',
}

/**
 * Access logging of every sidecar and gateway of the mesh (Istio's `accessLogFile`,
 * `accessLogEncoding` and `accessLogFormat` mesh settings). Formats use Envoy's command operators,
 * e.g. `%RESPONSE_CODE%`, `%RESPONSE_FLAGS%`, `%REQ(X-REQUEST-ID)%`; they are checked at synth time.
 */
export interface AccessLogOptions {
  /**
   * Absolute path of the file each proxy writes; `/dev/stdout` puts the lines in the container log.
   * @default '/dev/stdout'
   */
  readonly file?: string;

  /**
   * Text lines or JSON objects.
   * @default AccessLogEncoding.TEXT
   */
  readonly encoding?: AccessLogEncoding;

  /**
   * The line of a TEXT log (a line end is added when missing). Only with TEXT encoding.
   * @default - start time, method, path, protocol, status, response flags and details, authority, upstream cluster and host, route, duration, bytes, request id, peer identity and client address, as key=value pairs
   */
  readonly textFormat?: string;

  /**
   * The keys of a JSON log, each with a line of operators as its value. Only with JSON encoding.
   * @default - the same fields as the default TEXT line
   */
  readonly jsonFormat?: { [key: string]: string };
}
