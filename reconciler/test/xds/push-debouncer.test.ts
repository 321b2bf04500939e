import { PushDebouncer } from '../../src/xds/ads/push-debouncer';

describe('push debouncer', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  test('GIVEN a burst of requests WHEN the quiet period passes THEN one push carries every distinct reason', () => {
    const pushes: string[][] = [];
    const debouncer = new PushDebouncer((reasons) => pushes.push([...reasons]), { quietMs: 20 });
    debouncer.request('config:file-changed');
    jest.advanceTimersByTime(10);
    debouncer.request('config:file-changed');
    debouncer.request('proxy:connected');
    jest.advanceTimersByTime(19);
    expect(pushes).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(pushes).toEqual([['config:file-changed', 'proxy:connected']]);
  });

  test('GIVEN requests that never pause WHEN the maximum delay is reached THEN a push happens anyway', () => {
    const pushes: string[][] = [];
    const debouncer = new PushDebouncer((reasons) => pushes.push([...reasons]), { quietMs: 20, maxDelayMs: 100 });
    for (let elapsed = 0; elapsed < 100; elapsed += 10) {
      debouncer.request(`change-${elapsed}`);
      jest.advanceTimersByTime(10);
    }
    expect(pushes).toHaveLength(1);
    expect(pushes[0]).toHaveLength(10);
  });

  test('GIVEN pending requests WHEN cancelled THEN nothing is pushed', () => {
    const push = jest.fn();
    const debouncer = new PushDebouncer(push);
    debouncer.request('a');
    debouncer.cancel();
    jest.runAllTimers();
    expect(push).not.toHaveBeenCalled();
  });
});
