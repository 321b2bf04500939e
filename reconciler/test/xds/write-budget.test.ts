import { WriteBudget } from '../../src/xds/ads/write-budget';

/** A write that reports `bytes` and records when it ran; its flush is triggered by the test. */
function recordingWrite(log: string[], label: string, bytes: number, flushes: Map<string, () => void>) {
  return (flushed: () => void) => {
    log.push(label);
    flushes.set(label, flushed);
    return bytes;
  };
}

describe('write budget', () => {
  test('GIVEN the budget used up WHEN the write in flight flushes THEN the waiting ones run in arrival order', () => {
    const budget = new WriteBudget({ maxBytesInFlight: 100 });
    const log: string[] = [];
    const flushes = new Map<string, () => void>();
    const first = budget.sender();
    const second = budget.sender();
    first.send(recordingWrite(log, 'first-1', 100, flushes));
    second.send(recordingWrite(log, 'second-1', 10, flushes));
    first.send(recordingWrite(log, 'first-2', 10, flushes));
    expect(log).toEqual(['first-1']);
    expect(budget.queued).toBe(2);

    flushes.get('first-1')!();
    expect(log).toEqual(['first-1', 'second-1', 'first-2']);
    expect(budget.bytesInFlight).toBe(20);
  });

  test('GIVEN a write with nothing to send WHEN it runs THEN it takes no budget and the next write runs', () => {
    const budget = new WriteBudget({ maxBytesInFlight: 10 });
    const log: string[] = [];
    const sender = budget.sender();
    sender.send(() => { log.push('empty'); return 0; });
    sender.send(() => { log.push('next'); return 5; });
    expect(log).toEqual(['empty', 'next']);
    expect(budget.bytesInFlight).toBe(5);
  });

  test('GIVEN a stream with writes in flight and waiting WHEN it closes THEN its budget is returned and its waiting writes never run', () => {
    const budget = new WriteBudget({ maxBytesInFlight: 10 });
    const log: string[] = [];
    const flushes = new Map<string, () => void>();
    const closing = budget.sender();
    const other = budget.sender();
    closing.send(recordingWrite(log, 'closing-1', 10, flushes));
    closing.send(recordingWrite(log, 'closing-2', 10, flushes));
    other.send(recordingWrite(log, 'other-1', 10, flushes));
    closing.close();
    expect(log).toEqual(['closing-1', 'other-1']);
    expect(budget.bytesInFlight).toBe(10);
    expect(budget.queued).toBe(0);
  });

  test('GIVEN a write that is never flushed WHEN the stall time passes THEN it stops holding the queue', () => {
    jest.useFakeTimers();
    try {
      const budget = new WriteBudget({ maxBytesInFlight: 10, stallMs: 500 });
      const log: string[] = [];
      const flushes = new Map<string, () => void>();
      budget.sender().send(recordingWrite(log, 'stalled', 10, flushes));
      budget.sender().send(recordingWrite(log, 'behind', 10, flushes));
      expect(log).toEqual(['stalled']);
      jest.advanceTimersByTime(500);
      expect(log).toEqual(['stalled', 'behind']);
      flushes.get('stalled')!(); // a late flush must not give the budget back twice
      expect(budget.bytesInFlight).toBe(10);
    } finally {
      jest.useRealTimers();
    }
  });
});
