import { IConstruct } from 'constructs';
import { quoteValue } from '../model/validation/quote-value';

/** Kubernetes DNS-1123 label: what Services, Namespaces and most names must be. */
const DNS_1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Error for bad input, quoting the construct path, the prop, the value and the fix. */
export function propError(scope: IConstruct, prop: string, value: unknown, problem: string, fix: string): Error {
  return new Error(`[${scope.node.path}] ${propMessage(prop, value, problem, fix)}`);
}

/** The same message without the path, for `node.addValidation` (cdk8s prefixes the path itself). */
export function propMessage(prop: string, value: unknown, problem: string, fix: string): string {
  return `'${prop}' is ${quoteValue(value)}; ${problem}. ${fix}`;
}

/** Throws unless `value` is a DNS-1123 label (at most 63 characters). */
export function requireDnsLabel(scope: IConstruct, prop: string, value: string): void {
  if (!isDnsLabel(value)) {
    throw propError(scope, prop, value,
      'it must be a DNS-1123 label (lowercase letters, digits and \'-\', starting and ending with a letter or digit, at most 63 characters)',
      'Rename it.');
  }
}

export function isDnsLabel(value: string): boolean {
  return value.length <= 63 && DNS_1123_LABEL.test(value);
}

/** Throws unless `value` is a TCP port number. */
export function requirePort(scope: IConstruct, prop: string, value: number): void {
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    throw propError(scope, prop, value, 'it must be an integer between 1 and 65535', 'Use a valid port number.');
  }
}

/** True for an IPv4 CIDR such as `10.0.0.0/8` (or a single address). */
export function isIpv4Cidr(value: string): boolean {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(\/(\d{1,2}))?$/.exec(value);
  if (!match) {
    return false;
  }
  const octetsValid = match.slice(1, 5).every(octet => Number(octet) <= 255);
  return octetsValid && (match[6] === undefined || Number(match[6]) <= 32);
}
