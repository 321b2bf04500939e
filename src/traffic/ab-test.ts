import { Construct } from 'constructs';
import { HttpMatch, renderMatchBlock } from './http-match';
import { StickySession } from './sticky-session';
import { VirtualServiceSpecHttpMatch } from '../imports/istio-networking.istio.io';
import { IMeshService } from '../mesh/mesh-service';
import {
  FeatureRoutePriority, nameFromId, owningService, requireInteger, requirePercentage, unknownVersionMessages,
} from '../private/feature-support';
import { propError } from '../private/validation';

/** A variant of an A/B test: a version and its share of the unmatched traffic. */
export interface AbVariant {
  /** Version (subset) serving the variant. */
  readonly version: string;

  /**
   * Share of requests, 0–100.
   * @default - an even split of what the weighted variants leave; the remainder of the division goes to the first
   */
  readonly weight?: number;
}

/** A segment of users always sent to one variant. */
export interface AbRule {
  /**
   * Conditions that must all hold; an empty list matches every request (and must be the last rule).
   * @example [HttpMatch.header('end-user').exact('jason')]
   */
  readonly match: HttpMatch[];

  /** Version the segment goes to. */
  readonly version: string;

  /**
   * Name of the rule's route in the VirtualService.
   * @default - `<construct id>-rule-<index>`
   */
  readonly name?: string;
}

/** Properties of an {@link ABTest}. */
export interface ABTestProps {
  /** The service under test. */
  readonly service: IMeshService;

  /**
   * Variants sharing the requests no rule matches.
   * @default - no split: unmatched requests follow the service's other routes
   */
  readonly variants?: AbVariant[];

  /**
   * Segments sent to a variant, tried in order before the split.
   * @default - none
   */
  readonly rules?: AbRule[];

  /**
   * Keeps each client on the same pods.
   * @default - no affinity
   */
  readonly stickySession?: StickySession;

  /**
   * Version receiving a copy of the requests (responses are discarded).
   * @default - no mirroring
   */
  readonly mirrorVersion?: string;

  /**
   * Share of requests copied to `mirrorVersion`, 0–100.
   * @default 100
   */
  readonly mirrorPercentage?: number;
}

/**
 * An A/B test on one service: segments of users (header, cookie, query parameter or calling
 * service) go to a chosen variant, the rest is split by weight, optionally with sticky sessions
 * and mirroring.
 *
 * @example
 * new ABTest(chart, 'ReviewsAB', {
 *   service: reviews,
 *   variants: [{ version: 'v1' }, { version: 'v2' }],
 *   rules: [{ match: [HttpMatch.header('end-user').exact('jason')], version: 'v2' }],
 *   stickySession: StickySession.cookie('ab', Duration.hours(1)),
 * });
 */
export class ABTest extends Construct {
  /** The weights of the variants, as rendered (they sum to 100). */
  public readonly weights: { [version: string]: number };

  public constructor(scope: Construct, id: string, props: ABTestProps) {
    super(scope, id);
    const service = owningService(this, 'service', props.service);
    const variants = props.variants ?? [];
    const rules = props.rules ?? [];
    if (variants.length === 0 && rules.length === 0 && !props.mirrorVersion && !props.stickySession) {
      throw propError(this, 'variants', [], 'an A/B test needs variants, rules, mirroring or a sticky session',
        'Add variants such as [{ version: "v1" }, { version: "v2" }].');
    }
    const baseName = nameFromId(id);
    const weighted = resolveWeights(this, variants);
    this.weights = Object.fromEntries(weighted.map(variant => [variant.version, variant.weight]));
    if (weighted.length > 0) {
      service._contributeRoute({
        contributor: this.node.path,
        priority: FeatureRoutePriority.CATCH_ALL,
        http: {
          name: baseName,
          route: weighted.map(variant => ({ destination: { host: service.fqdn, subset: variant.version }, weight: variant.weight })),
        },
      });
    }
    this.contributeRules(service, baseName, rules);
    if (props.stickySession) {
      service._contributeTrafficPolicy({
        contributor: this.node.path,
        trafficPolicy: { loadBalancer: { consistentHash: props.stickySession._render(this) } },
      });
    }
    if (props.mirrorVersion !== undefined) {
      const percentage = requirePercentage(this, 'mirrorPercentage', props.mirrorPercentage ?? 100);
      service._contributeRoutePolicy({
        contributor: this.node.path,
        policy: { mirror: { host: service.fqdn, subset: props.mirrorVersion }, mirrorPercentage: { value: percentage } },
      });
    } else if (props.mirrorPercentage !== undefined) {
      throw propError(this, 'mirrorPercentage', props.mirrorPercentage, 'it has no effect without \'mirrorVersion\'', 'Set mirrorVersion or remove it.');
    }
    this.node.addValidation({ validate: () => unknownVersionMessages('mirrorVersion', service, [props.mirrorVersion]) });
  }

  private contributeRules(service: ReturnType<typeof owningService>, baseName: string, rules: readonly AbRule[]): void {
    const seen = new Map<string, number>();
    rules.forEach((rule, index) => {
      const block = renderMatchBlock(this, `rules[${index}].match`, rule.match);
      if (index > 0 && rules[index - 1].match.length === 0) {
        throw propError(this, `rules[${index}]`, rule.match.map(condition => condition.description),
          `rule ${index - 1} matches every request, so this rule would never be reached`, 'Move the catch-all rule last or remove it.');
      }
      const key = JSON.stringify(block ?? {});
      if (seen.has(key)) {
        throw propError(this, `rules[${index}].match`, rule.match.map(condition => condition.description),
          `rule ${seen.get(key)} has the same conditions, so this rule would never be reached`, 'Remove the duplicate rule.');
      }
      seen.set(key, index);
      service._contributeRoute({
        contributor: this.node.path,
        priority: block ? FeatureRoutePriority.AB_MATCH : FeatureRoutePriority.CATCH_ALL,
        http: {
          name: rule.name ?? `${baseName}-rule-${index}`,
          ...(block ? { match: [block as VirtualServiceSpecHttpMatch] } : {}),
          route: [{ destination: { host: service.fqdn, subset: rule.version } }],
        },
      });
    });
  }
}

/** Explicit weights kept, the rest shared evenly by the unweighted variants (remainder to the first). */
function resolveWeights(scope: Construct, variants: readonly AbVariant[]): { version: string; weight: number }[] {
  const versions = new Set<string>();
  variants.forEach((variant, index) => {
    if (versions.has(variant.version)) {
      throw propError(scope, `variants[${index}].version`, variant.version, 'the version is listed twice', 'List each version once.');
    }
    versions.add(variant.version);
    if (variant.weight !== undefined) {
      requireInteger(scope, `variants[${index}].weight`, requirePercentage(scope, `variants[${index}].weight`, variant.weight), 0);
    }
  });
  const explicitTotal = variants.reduce((sum, variant) => sum + (variant.weight ?? 0), 0);
  const unweighted = variants.filter(variant => variant.weight === undefined).length;
  const remaining = 100 - explicitTotal;
  if (variants.length > 0 && (remaining < 0 || (unweighted === 0 && remaining !== 0))) {
    throw propError(scope, 'variants', variants.map(variant => `${variant.version}:${variant.weight ?? '-'}`),
      `the weights sum to ${explicitTotal}; they must sum to exactly 100`, 'Fix the weights, or omit some to share the rest evenly.');
  }
  const share = unweighted > 0 ? Math.floor(remaining / unweighted) : 0;
  let remainder = unweighted > 0 ? remaining - share * unweighted : 0;
  return variants.map(variant => {
    if (variant.weight !== undefined) {
      return { version: variant.version, weight: variant.weight };
    }
    const weight = share + remainder;
    remainder = 0;
    return { version: variant.version, weight };
  });
}
