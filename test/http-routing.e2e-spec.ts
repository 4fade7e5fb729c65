import { useOrderService } from './utils/fixture';
import { expectProblem } from './utils/problem';

// The service moved from Express to Fastify (issue 15). These are the routing rules clients knew
// under Express and that the move keeps (app.setup.ts, ROUTER_OPTIONS and frameworkErrors).

describe('routing as clients know it', () => {
  const t = useOrderService();
  const { customer } = t;

  it.each(['/api/orders/%zz', '/api/orders/%E0%A4%A', '/no-such-thing/%zz'])(
    'an undecodable path (%s) is a 400 problem, after the request pipeline',
    async (path) => {
      const res = await t.http.get(path).set(customer.auth).set('X-Request-Id', 'bad-path-1');

      const body = expectProblem(res, 400, 'BAD_REQUEST');
      expect(body.instance).toBe(path);
      // The pipeline ran before the answer: the request's id, the security headers and
      // no-store for an authenticated caller.
      expect(res.headers['x-request-id']).toBe('bad-path-1');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['cache-control']).toBe('no-store');
    },
  );

  it.each(['/api/orders/', '/API/Orders'])(
    'a trailing slash or another letter case reaches the same route (%s)',
    async (path) => {
      const res = await t.http.get(path).set(customer.auth);

      expect(res.status).toBe(200);
      expect(res.body).toEqual((await t.http.get('/api/orders').set(customer.auth)).body);
    },
  );

  it("HEAD answers a GET route's headers without its body", async () => {
    const res = await t.http.head('/health/live');

    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    // The length of the GET's body ({"status":"ok"}), which HEAD does not send.
    expect(res.headers['content-length']).toBe('15');
    expect(res.text ?? '').toBe('');
  });
});
