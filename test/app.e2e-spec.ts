import { useOrderService } from './utils/fixture';

describe('smoke', () => {
  const t = useOrderService();

  it('GET / answers the service banner', async () => {
    const res = await t.http.get('/');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ message: 'Order Service API', version: '1.0.0', docs: '/docs' });
  });
});
