import { Semaphore } from '../../src/common/concurrency/semaphore';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

describe('Semaphore', () => {
  it('runs at most `limit` tasks at once, the rest in arrival order', async () => {
    const semaphore = new Semaphore(2);
    const gates = Array.from({ length: 5 }, deferred);
    const started: number[] = [];
    let running = 0;
    let most = 0;
    const runs = gates.map((gate, index) =>
      semaphore.run(async () => {
        started.push(index);
        running += 1;
        most = Math.max(most, running);
        await gate.promise;
        running -= 1;
        return index;
      }),
    );
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toEqual([0, 1]);
    gates[1].resolve();
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toEqual([0, 1, 2]);
    gates.forEach((gate) => gate.resolve());
    expect(await Promise.all(runs)).toEqual([0, 1, 2, 3, 4]);
    expect(started).toEqual([0, 1, 2, 3, 4]);
    expect(most).toBe(2);
  });

  it('frees the slot when a task fails, and a late caller cannot jump the queue', async () => {
    const semaphore = new Semaphore(1);
    const gate = deferred();
    const order: string[] = [];
    const first = semaphore.run(async () => {
      await gate.promise;
      throw new Error('boom');
    });
    const second = semaphore.run(async () => void order.push('second'));
    gate.resolve();
    await expect(first).rejects.toThrow('boom');
    const third = semaphore.run(async () => void order.push('third'));
    await Promise.all([second, third]);
    expect(order).toEqual(['second', 'third']);
  });
});
