/*
 * A separate process that sends the costly bodies of test/reliability/costly-input.rel-spec.ts,
 * as an attacker's machine would: were the test process itself to write 20 bodies of 89 kB, the
 * probe it sends next would wait behind its own writes, whatever the server does.
 *
 * Plain JavaScript, forked with IPC. Message {port, token, body, count}: sends `count` POSTs of
 * `body` at once, each on its own connection, answers 'sent' as soon as they are all written to
 * their sockets (the probe goes out then, while they arrive), then {statuses} once all are answered.
 */
'use strict';
const { request } = require('node:http');

function post(port, token, body) {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/api/orders',
        agent: false,
        headers: {
          Authorization: `Bearer ${token}`,
          'Content-Type': 'application/json',
          'Content-Length': Buffer.byteLength(body),
          Connection: 'close',
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

process.on('message', ({ port, token, body, count }) => {
  const answered = Promise.all(Array.from({ length: count }, () => post(port, token, body)));
  process.send('sent');
  answered.then(
    (statuses) => process.send({ statuses }),
    (error) => process.send({ error: String(error) }),
  );
});
process.send('ready');
