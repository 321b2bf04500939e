/** The HTTP status of a failed Kubernetes client call (ApiException `code`, or `statusCode` of a watch). */
export function httpStatusOf(error: unknown): number | undefined {
  const candidate = error as { code?: unknown; statusCode?: unknown } | undefined;
  if (typeof candidate?.code === 'number') return candidate.code;
  if (typeof candidate?.statusCode === 'number') return candidate.statusCode;
  return undefined;
}

/**
 * A client failure in one line: the API server's own Status message when the body carries one
 * (client-node's ApiException message is a multi-line dump with headers), else the error message.
 */
export function describeApiError(error: unknown): string {
  const status = httpStatusOf(error);
  const body = (error as { body?: unknown } | undefined)?.body;
  let message: string | undefined;
  if (typeof body === 'string') {
    try {
      const parsed = JSON.parse(body) as { message?: unknown };
      if (typeof parsed.message === 'string') message = parsed.message;
    } catch {
      message = undefined;
    }
  } else if (typeof (body as { message?: unknown } | undefined)?.message === 'string') {
    message = (body as { message: string }).message;
  }
  message ??= ((error as Error | undefined)?.message ?? String(error)).split('\n')[0];
  return status ? `HTTP ${status}: ${message}` : message;
}
