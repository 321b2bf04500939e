import * as net from 'net';
import { freePort } from './ports';

describe('freePort', () => {
  test('GIVEN many calls in one process WHEN ports are taken one after another THEN no port is handed out twice, and each can be bound', async () => {
    const ports: number[] = [];
    for (let i = 0; i < 300; i += 1) ports.push(await freePort());

    expect(new Set(ports).size).toBe(ports.length);
    const server = net.createServer();
    await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(ports[299], '127.0.0.1', resolve); });
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
});
