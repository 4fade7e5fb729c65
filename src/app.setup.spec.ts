import type { NetworkInterfaceInfo } from 'node:os';
import { anyAddress } from './app.setup';

const loopback4: NetworkInterfaceInfo = {
  address: '127.0.0.1',
  netmask: '255.0.0.0',
  family: 'IPv4',
  mac: '00:00:00:00:00:00',
  internal: true,
  cidr: '127.0.0.1/8',
};
const loopback6: NetworkInterfaceInfo = {
  address: '::1',
  netmask: 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff',
  family: 'IPv6',
  mac: '00:00:00:00:00:00',
  internal: true,
  cidr: '::1/128',
  scopeid: 0,
};

describe('anyAddress: where the service listens, as Node listen(port) would', () => {
  it('takes :: (IPv6 and IPv4) when an interface has an IPv6 address', () => {
    expect(anyAddress({ lo: [loopback4, loopback6] })).toBe('::');
  });

  it('takes 0.0.0.0 on a host without IPv6, where binding :: would fail', () => {
    expect(anyAddress({ lo: [loopback4], eth0: [{ ...loopback4, address: '10.0.0.5' }] })).toBe(
      '0.0.0.0',
    );
    expect(anyAddress({ lo: undefined })).toBe('0.0.0.0');
  });
});
