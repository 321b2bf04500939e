/**
 * TokenReviews in flight at once, bounded. Every connecting proxy is reviewed; when hundreds
 * connect together (a cold start, a reconnect storm) unbounded reviews each opened a TLS
 * connection of their own to the API server, because a kept-alive connection is reused only once
 * a review on it has finished. Queued here, a few connections carry the whole burst one review
 * after another, and the API server sees a bounded number of concurrent requests from us.
 */
import type { TokenReviewer } from './token-review-authenticator';

/** Enough to keep the API server's ~1.5 ms reviews flowing; far fewer than a burst of proxies. */
export const TOKEN_REVIEWS_IN_FLIGHT = 8;

export function boundedTokenReviews(review: TokenReviewer, inFlight: number = TOKEN_REVIEWS_IN_FLIGHT): TokenReviewer {
  if (!Number.isInteger(inFlight) || inFlight < 1) throw new Error(`TokenReviews in flight is ${inFlight}; it must be a whole number of at least 1`);
  let running = 0;
  const waiting: (() => void)[] = [];
  // A finished review hands its slot straight to the oldest waiting one, so a caller arriving
  // meanwhile cannot take it too.
  const acquire = async () => {
    if (running < inFlight) {
      running += 1;
      return;
    }
    await new Promise<void>((resolve) => waiting.push(resolve));
  };
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else running -= 1;
  };
  return async (token, audiences) => {
    await acquire();
    try {
      return await review(token, audiences);
    } finally {
      release();
    }
  };
}
