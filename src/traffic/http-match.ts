import { IConstruct } from 'constructs';
import { VirtualServiceSpecHttpMatch } from '../imports/istio-networking.istio.io';
import { IMeshService } from '../mesh/mesh-service';
import { envoyRegexRefusal } from '../model/regex/envoy-regex';
import { quoteValue } from '../model/validation/quote-value';
import { requireSameApp } from '../private/feature-support';
import { propError } from '../private/validation';

/** How a string is compared. */
enum StringMatchKind {
  EXACT = 'exact',
  PREFIX = 'prefix',
  REGEX = 'regex',
}

/** Which part of a request a condition looks at. */
enum RequestPart {
  HEADER = 'headers',
  QUERY_PARAMETER = 'queryParams',
}

/** Chooses how the value of a header or query parameter is compared; see {@link HttpMatch.header}. */
export class StringMatchBuilder {
  /** @internal */
  public static _for(part: RequestPart, name: string): StringMatchBuilder {
    return new StringMatchBuilder(part, name);
  }

  private constructor(private readonly part: RequestPart, private readonly name: string) {}

  /** The value equals `value`. */
  public exact(value: string): HttpMatch {
    return this.condition(StringMatchKind.EXACT, value);
  }

  /** The value starts with `prefix`. */
  public prefix(prefix: string): HttpMatch {
    return this.condition(StringMatchKind.PREFIX, prefix);
  }

  /** The whole value matches the RE2 regular expression `pattern`. */
  public regex(pattern: string): HttpMatch {
    return this.condition(StringMatchKind.REGEX, pattern);
  }

  private condition(kind: StringMatchKind, value: string): HttpMatch {
    const description = `${this.part === RequestPart.HEADER ? 'header' : 'query parameter'} "${this.name}" ${kind} "${value}"`;
    return HttpMatch._of(description, (scope, prop) => {
      if (this.name.trim() === '' || (this.part === RequestPart.HEADER && this.name !== this.name.toLowerCase())) {
        throw propError(scope, prop, this.name, 'a header or query parameter name must be non-empty and headers lowercase',
          `Use "${this.name.toLowerCase().trim() || 'x-example'}".`);
      }
      if (kind === StringMatchKind.REGEX) {
        requireEnvoyRegex(scope, prop, value, value);
      }
      return { [this.part]: { [this.name]: { [kind]: value } } };
    });
  }
}

/**
 * One condition on an HTTP request. Conditions given together (a rule's `match` list) must all
 * hold.
 *
 * @example
 * HttpMatch.header('end-user').exact('jason')
 * HttpMatch.cookie('group', 'beta')
 * HttpMatch.sourceService(productpage)
 */
export class HttpMatch {
  /** A request header (lowercase name). */
  public static header(name: string): StringMatchBuilder {
    return StringMatchBuilder._for(RequestPart.HEADER, name);
  }

  /** A query parameter of the request URI. */
  public static queryParam(name: string): StringMatchBuilder {
    return StringMatchBuilder._for(RequestPart.QUERY_PARAMETER, name);
  }

  /**
   * A cookie whose value matches the RE2 expression `valueRegex` (a regex on the `cookie` header).
   * @example HttpMatch.cookie('user', 'jason')
   */
  public static cookie(name: string, valueRegex: string): HttpMatch {
    return HttpMatch._of(`cookie "${name}" regex "${valueRegex}"`, (scope, prop) => {
      if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(name)) {
        throw propError(scope, prop, name, 'it is not a valid cookie name', 'Use letters, digits and "-_." only.');
      }
      const escapedName = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      const cookieRegex = `^(.*?;\\s*)?${escapedName}=(${valueRegex})(;.*)?$`;
      requireEnvoyRegex(scope, prop, valueRegex, cookieRegex);
      return { headers: { cookie: { regex: cookieRegex } } };
    });
  }

  /** The request path starts with `prefix`. */
  public static pathPrefix(prefix: string): HttpMatch {
    return HttpMatch._of(`path prefix "${prefix}"`, (scope, prop) => {
      if (!prefix.startsWith('/')) {
        throw propError(scope, prop, prefix, 'a path prefix must start with "/"', `Use "/${prefix}".`);
      }
      return { uri: { prefix } };
    });
  }

  /**
   * Requests sent by the sidecars of another service of the mesh (its `app` label and namespace).
   */
  public static sourceService(service: IMeshService): HttpMatch {
    return HttpMatch._of(`source service "${service.namespace}/${service.name}"`, (scope, prop) => {
      requireSameApp(scope, prop, service);
      return { sourceLabels: { app: service.name }, sourceNamespace: service.namespace };
    });
  }

  /** @internal */
  public static _of(description: string, render: (scope: IConstruct, prop: string) => VirtualServiceSpecHttpMatch): HttpMatch {
    return new HttpMatch(description, render);
  }

  private constructor(
    /** What the condition checks, for messages. */
    public readonly description: string,
    private readonly render: (scope: IConstruct, prop: string) => VirtualServiceSpecHttpMatch,
  ) {}

  /**
   * The condition as an Istio match fragment; throws naming `scope` and `prop` on bad input.
   * @internal
   */
  public _render(scope: IConstruct, prop: string): VirtualServiceSpecHttpMatch {
    return this.render(scope, prop);
  }
}

/** Throws naming the construct path unless Envoy accepts `regex`, the regex built from the user's `value`. */
function requireEnvoyRegex(scope: IConstruct, prop: string, value: string, regex: string): void {
  const refusal = envoyRegexRefusal(regex);
  if (refusal) {
    const subject = regex === value ? 'it' : `the regex built from it (${quoteValue(regex)})`;
    throw propError(scope, prop, value, `Envoy would refuse ${subject}: ${refusal.problem}`, refusal.fix);
  }
}

/**
 * One Istio match block (all conditions must hold); undefined for no conditions. Two conditions
 * on the same header, parameter, path or source cannot both be expressed and are rejected.
 */
export function renderMatchBlock(scope: IConstruct, prop: string, conditions: readonly HttpMatch[]): VirtualServiceSpecHttpMatch | undefined {
  if (conditions.length === 0) {
    return undefined;
  }
  const block: Record<string, any> = {};
  conditions.forEach((condition, index) => {
    const fragment = condition._render(scope, `${prop}[${index}]`) as Record<string, any>;
    for (const [field, value] of Object.entries(fragment)) {
      const isMap = field === 'headers' || field === 'queryParams' || field === 'sourceLabels';
      const clash = isMap ? Object.keys(value).find(key => block[field]?.[key] !== undefined) : block[field] !== undefined ? field : undefined;
      if (clash !== undefined) {
        throw propError(scope, `${prop}[${index}]`, condition.description, `another condition of the same rule already checks ${clash}`,
          'Combine them into one condition (e.g. one regex) or split them into two rules.');
      }
      block[field] = isMap ? { ...block[field], ...value } : value;
    }
  });
  return block as VirtualServiceSpecHttpMatch;
}
