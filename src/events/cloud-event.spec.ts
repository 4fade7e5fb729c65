import { OrderEvent, subjectFor, toCloudEvent } from './cloud-event';

const event: OrderEvent = {
  id: '0f8fad5b-d9cb-469f-a165-70867728950e',
  type: 'order.status_changed',
  orderId: '7c9e6679-7425-40de-944b-e07fc1f90ae7',
  sequence: 3,
  time: '2026-11-25T10:15:00.000Z',
  data: {
    order: { id: '7c9e6679-7425-40de-944b-e07fc1f90ae7', status: 'processing' },
    change: {
      from: 'confirmed',
      to: 'processing',
      reason: null,
      actor_id: 'a',
      actor_role: 'admin',
    },
  },
};

describe('toCloudEvent', () => {
  it('builds the CloudEvents 1.0 structured envelope with the sequence extension', () => {
    expect(toCloudEvent(event)).toEqual({
      specversion: '1.0',
      id: event.id,
      source: 'order-service',
      type: 'order.status_changed',
      subject: event.orderId,
      time: '2026-11-25T10:15:00.000Z',
      datacontenttype: 'application/json',
      sequence: 3,
      data: event.data,
    });
  });

  it('keeps only the envelope attributes at the top level (JSON round trip)', () => {
    const json = JSON.parse(JSON.stringify(toCloudEvent(event))) as Record<string, unknown>;
    expect(Object.keys(json).sort()).toEqual(
      [
        'data',
        'datacontenttype',
        'id',
        'sequence',
        'source',
        'specversion',
        'subject',
        'time',
        'type',
      ].sort(),
    );
    expect(json.data).toEqual(event.data);
  });
});

describe('subjectFor', () => {
  it.each([
    ['order.created', 'orders.created'],
    ['order.status_changed', 'orders.status_changed'],
    ['order.payment_status_changed', 'orders.payment_status_changed'],
    ['order.tracking_updated', 'orders.tracking_updated'],
    ['order.refund_requested', 'orders.refund_requested'],
  ])('%s → %s', (type, subject) => {
    expect(subjectFor(type)).toBe(subject);
  });

  it.each([
    'created',
    'orders.created',
    'order.',
    'order.a b',
    'order.*',
    'order.>',
    'user.created',
  ])('refuses %p, which is not an order event type', (type) => {
    expect(() => subjectFor(type)).toThrow(/not an order event type/);
  });
});
