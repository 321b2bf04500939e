// Generated from imports/istio/crd-all.gen.yaml by scripts/istio-api/generate-istio-api.ts (npx projen generate:istio-api).
// Do not edit: change the CRDs and generate again; a test fails when this file is out of date.
/* eslint-disable max-len */

/** Configuration affecting label/content routing, sni routing, etc. (networking.istio.io/v1 VirtualService) */
export interface VirtualServiceSpec {
  /** A list of namespaces to which this virtual service is exported. */
  exportTo?: string[];
  /** The names of gateways and sidecars that should apply these routes. */
  gateways?: string[];
  /** The destination hosts to which traffic is being sent. */
  hosts?: string[];
  /** An ordered list of route rules for HTTP traffic. */
  http?: Array<{
    /** Cross-Origin Resource Sharing policy (CORS). */
    corsPolicy?: {
      /** Indicates whether the caller is allowed to send the actual request (not the preflight) using credentials. */
      allowCredentials?: boolean;
      /** List of HTTP headers that can be used when requesting the resource. */
      allowHeaders?: string[];
      /** List of HTTP methods allowed to access the resource. */
      allowMethods?: string[];
      allowOrigin?: string[];
      /** String patterns that match allowed origins. */
      allowOrigins?: Array<{
        exact?: string;
        prefix?: string;
        /** [RE2 style regex-based match](https://github.com/google/re2/wiki/Syntax). */
        regex?: string;
      }>;
      /** A list of HTTP headers that the browsers are allowed to access. */
      exposeHeaders?: string[];
      /** Specifies how long the results of a preflight request can be cached. */
      maxAge?: string;
      /** Indicates whether preflight requests not matching the configured allowed origin shouldn't be forwarded to the upstream. */
      unmatchedPreflights?: 'UNSPECIFIED' | 'FORWARD' | 'IGNORE';
    };
    /** Delegate is used to specify the particular VirtualService which can be used to define delegate HTTPRoute. */
    delegate?: {
      /** Name specifies the name of the delegate VirtualService. */
      name?: string;
      /** Namespace specifies the namespace where the delegate VirtualService resides. */
      namespace?: string;
    };
    /** A HTTP rule can either return a direct_response, redirect or forward (default) traffic. */
    directResponse?: {
      /** Specifies the content of the response body. */
      body?: {
        /** response body as base64 encoded bytes. */
        bytes?: string;
        string?: string;
      };
      /** Specifies the HTTP response status to be returned. */
      status: number;
    };
    /** Fault injection policy to apply on HTTP traffic at the client side. */
    fault?: {
      /** Abort Http request attempts and return error codes back to downstream service, giving the impression that the upstream service is faulty. */
      abort?: {
        /** GRPC status code to use to abort the request. */
        grpcStatus?: string;
        http2Error?: string;
        /** HTTP status code to use to abort the Http request. */
        httpStatus?: number;
        /** Percentage of requests to be aborted with the error code provided. */
        percentage?: {
          value?: number;
        };
      };
      /** Delay requests before forwarding, emulating various failures such as network issues, overloaded upstream service, etc. */
      delay?: {
        exponentialDelay?: string;
        /** Add a fixed delay before forwarding the request. */
        fixedDelay?: string;
        /** Percentage of requests on which the delay will be injected (0-100). */
        percent?: number;
        /** Percentage of requests on which the delay will be injected. */
        percentage?: {
          value?: number;
        };
      };
    };
    headers?: {
      request?: {
        add?: Record<string, string>;
        remove?: string[];
        set?: Record<string, string>;
      };
      response?: {
        add?: Record<string, string>;
        remove?: string[];
        set?: Record<string, string>;
      };
    };
    /** Match conditions to be satisfied for the rule to be activated. */
    match?: Array<{
      /** HTTP Authority values are case-sensitive and formatted as follows: - `exact: "value"` for exact string match - `prefix: "value"` for prefix-based match - `regex: "value"` for [RE2 style regex-based match](https://github.com/google/re2/wiki/Syntax). */
      authority?: {
        exact?: string;
        prefix?: string;
        /** [RE2 style regex-based match](https://github.com/google/re2/wiki/Syntax). */
        regex?: string;
      };
      /** Names of gateways where the rule should be applied. */
      gateways?: string[];
      /** The header keys must be lowercase and use hyphen as the separator, e.g. */
      headers?: Record<string, {
        exact?: string;
        prefix?: string;
        /** [RE2 style regex-based match](https://github.com/google/re2/wiki/Syntax). */
        regex?: string;
      }>;
      /** Flag to specify whether the URI matching should be case-insensitive. */
      ignoreUriCase?: boolean;
      /** HTTP Method values are case-sensitive and formatted as follows: - `exact: "value"` for exact string match - `prefix: "value"` for prefix-based match - `regex: "value"` for [RE2 style regex-based match](https://github.com/google/re2/wiki/Syntax). */
      method?: {
        exact?: string;
        prefix?: string;
        /** [RE2 style regex-based match](https://github.com/google/re2/wiki/Syntax). */
        regex?: string;
      };
      /** The name assigned to a match. */
      name?: string;
      /** Specifies the ports on the host that is being addressed. */
      port?: number;
      /** Query parameters for matching. */
      queryParams?: Record<string, {
        exact?: string;
        prefix?: string;
        /** [RE2 style regex-based match](https://github.com/google/re2/wiki/Syntax). */
        regex?: string;
      }>;
      /** URI Scheme values are case-sensitive and formatted as follows: - `exact: "value"` for exact string match - `prefix: "value"` for prefix-based match - `regex: "value"` for [RE2 style regex-based match](https://github.com/google/re2/wiki/Syntax). */
      scheme?: {
        exact?: string;
        prefix?: string;
        /** [RE2 style regex-based match](https://github.com/google/re2/wiki/Syntax). */
        regex?: string;
      };
      /** One or more labels that constrain the applicability of a rule to source (client) workloads with the given labels. */
      sourceLabels?: Record<string, string>;
      /** Source namespace constraining the applicability of a rule to workloads in that namespace. */
      sourceNamespace?: string;
      /** The human readable prefix to use when emitting statistics for this route. */
      statPrefix?: string;
      /** URI to match values are case-sensitive and formatted as follows: - `exact: "value"` for exact string match - `prefix: "value"` for prefix-based match - `regex: "value"` for [RE2 style regex-based match](https://github.com/google/re2/wiki/Syntax). */
      uri?: {
        exact?: string;
        prefix?: string;
        /** [RE2 style regex-based match](https://github.com/google/re2/wiki/Syntax). */
        regex?: string;
      };
      /** withoutHeader has the same syntax with the header, but has opposite meaning. */
      withoutHeaders?: Record<string, {
        exact?: string;
        prefix?: string;
        /** [RE2 style regex-based match](https://github.com/google/re2/wiki/Syntax). */
        regex?: string;
      }>;
    }>;
    /** Mirror HTTP traffic to a another destination in addition to forwarding the requests to the intended destination. */
    mirror?: {
      /** The name of a service from the service registry. */
      host: string;
      /** Specifies the port on the host that is being addressed. */
      port?: {
        number?: number;
      };
      /** The name of a subset within the service. */
      subset?: string;
    };
    mirror_percent?: number;
    mirrorPercent?: number;
    /** Percentage of the traffic to be mirrored by the `mirror` field. */
    mirrorPercentage?: {
      value?: number;
    };
    /** Specifies the destinations to mirror HTTP traffic in addition to the original destination. */
    mirrors?: Array<{
      /** Destination specifies the target of the mirror operation. */
      destination: {
        /** The name of a service from the service registry. */
        host: string;
        /** Specifies the port on the host that is being addressed. */
        port?: {
          number?: number;
        };
        /** The name of a subset within the service. */
        subset?: string;
      };
      /** Percentage of the traffic to be mirrored by the `destination` field. */
      percentage?: {
        value?: number;
      };
    }>;
    /** The name assigned to the route for debugging purposes. */
    name?: string;
    /** A HTTP rule can either return a direct_response, redirect or forward (default) traffic. */
    redirect?: {
      /** On a redirect, overwrite the Authority/Host portion of the URL with this value. */
      authority?: string;
      /** On a redirect, dynamically set the port: * FROM_PROTOCOL_DEFAULT: automatically set to 80 for HTTP and 443 for HTTPS. */
      derivePort?: 'FROM_PROTOCOL_DEFAULT' | 'FROM_REQUEST_PORT';
      /** On a redirect, overwrite the port portion of the URL with this value. */
      port?: number;
      /** On a redirect, replace the matched prefix with this value. */
      prefixRewrite?: string;
      /** On a redirect, Specifies the HTTP status code to use in the redirect response. */
      redirectCode?: number;
      /** On a redirect, overwrite the scheme portion of the URL with this value. */
      scheme?: string;
      /** On a redirect, overwrite the Path portion of the URL with this value. */
      uri?: string;
    };
    /** Retry policy for HTTP requests. */
    retries?: {
      /** Number of retries to be allowed for a given request. */
      attempts?: number;
      /** Specifies the minimum duration between retry attempts. */
      backoff?: string;
      /** Timeout per attempt for a given request, including the initial call and any retries. */
      perTryTimeout?: string;
      /** Flag to specify whether the retries should ignore previously tried hosts during retry. */
      retryIgnorePreviousHosts?: boolean;
      /** Specifies the conditions under which retry takes place. */
      retryOn?: string;
      /** Flag to specify whether the retries should retry to other localities. */
      retryRemoteLocalities?: boolean;
    };
    /** Rewrite HTTP URIs and Authority headers. */
    rewrite?: {
      /** rewrite the Authority/Host header with this value. */
      authority?: string;
      /** rewrite the path (or the prefix) portion of the URI with this value. */
      uri?: string;
      /** rewrite the path portion of the URI with the specified regex. */
      uriRegexRewrite?: {
        /** [RE2 style regex-based match](https://github.com/google/re2/wiki/Syntax). */
        match?: string;
        /** The string that should replace into matching portions of original URI. */
        rewrite?: string;
      };
    };
    /** A HTTP rule can either return a direct_response, redirect or forward (default) traffic. */
    route?: Array<{
      /** Destination uniquely identifies the instances of a service to which the request/connection should be forwarded to. */
      destination: {
        /** The name of a service from the service registry. */
        host: string;
        /** Specifies the port on the host that is being addressed. */
        port?: {
          number?: number;
        };
        /** The name of a subset within the service. */
        subset?: string;
      };
      headers?: {
        request?: {
          add?: Record<string, string>;
          remove?: string[];
          set?: Record<string, string>;
        };
        response?: {
          add?: Record<string, string>;
          remove?: string[];
          set?: Record<string, string>;
        };
      };
      /** Weight specifies the relative proportion of traffic to be forwarded to the destination. */
      weight?: number;
    }>;
    /** Timeout for HTTP requests, default is disabled. */
    timeout?: string;
  }>;
  /** An ordered list of route rules for opaque TCP traffic. */
  tcp?: Array<{
    /** Match conditions to be satisfied for the rule to be activated. */
    match?: Array<{
      /** IPv4 or IPv6 ip addresses of destination with optional subnet. */
      destinationSubnets?: string[];
      /** Names of gateways where the rule should be applied. */
      gateways?: string[];
      /** Specifies the port on the host that is being addressed. */
      port?: number;
      /** One or more labels that constrain the applicability of a rule to workloads with the given labels. */
      sourceLabels?: Record<string, string>;
      /** Source namespace constraining the applicability of a rule to workloads in that namespace. */
      sourceNamespace?: string;
      sourceSubnet?: string;
    }>;
    /** The destination to which the connection should be forwarded to. */
    route?: Array<{
      /** Destination uniquely identifies the instances of a service to which the request/connection should be forwarded to. */
      destination: {
        /** The name of a service from the service registry. */
        host: string;
        /** Specifies the port on the host that is being addressed. */
        port?: {
          number?: number;
        };
        /** The name of a subset within the service. */
        subset?: string;
      };
      /** Weight specifies the relative proportion of traffic to be forwarded to the destination. */
      weight?: number;
    }>;
  }>;
  /** An ordered list of route rule for non-terminated TLS & HTTPS traffic. */
  tls?: Array<{
    /** Match conditions to be satisfied for the rule to be activated. */
    match: Array<{
      /** IPv4 or IPv6 ip addresses of destination with optional subnet. */
      destinationSubnets?: string[];
      /** Names of gateways where the rule should be applied. */
      gateways?: string[];
      /** Specifies the port on the host that is being addressed. */
      port?: number;
      /** SNI (server name indicator) to match on. */
      sniHosts: string[];
      /** One or more labels that constrain the applicability of a rule to workloads with the given labels. */
      sourceLabels?: Record<string, string>;
      /** Source namespace constraining the applicability of a rule to workloads in that namespace. */
      sourceNamespace?: string;
    }>;
    /** The destination to which the connection should be forwarded to. */
    route?: Array<{
      /** Destination uniquely identifies the instances of a service to which the request/connection should be forwarded to. */
      destination: {
        /** The name of a service from the service registry. */
        host: string;
        /** Specifies the port on the host that is being addressed. */
        port?: {
          number?: number;
        };
        /** The name of a subset within the service. */
        subset?: string;
      };
      /** Weight specifies the relative proportion of traffic to be forwarded to the destination. */
      weight?: number;
    }>;
  }>;
}

/** Configuration affecting load balancing, outlier detection, etc. (networking.istio.io/v1 DestinationRule) */
export interface DestinationRuleSpec {
  /** A list of namespaces to which this destination rule is exported. */
  exportTo?: string[];
  /** The name of a service from the service registry. */
  host: string;
  /** One or more named sets that represent individual versions of a service. */
  subsets?: Array<{
    /** Labels apply a filter over the endpoints of a service in the service registry. */
    labels?: Record<string, string>;
    /** Name of the subset. */
    name: string;
    /** Traffic policies that apply to this subset. */
    trafficPolicy?: {
      connectionPool?: {
        /** HTTP connection pool settings. */
        http?: {
          /** Specify if http1.1 connection should be upgraded to http2 for the associated destination. */
          h2UpgradePolicy?: 'DEFAULT' | 'DO_NOT_UPGRADE' | 'UPGRADE';
          /** Maximum number of requests that will be queued while waiting for a ready connection pool connection. */
          http1MaxPendingRequests?: number;
          /** Configure HTTP/2 PING frames for upstream connections. */
          http2KeepAlive?: {
            /** Send HTTP/2 PING frames at this interval. */
            interval?: string;
            /** How long to wait for a response to an HTTP/2 PING frame before closing the connection. */
            timeout?: string;
          };
          /** Maximum number of active requests to a destination. */
          http2MaxRequests?: number;
          /** The idle timeout for upstream connection pool connections. */
          idleTimeout?: string;
          /** The maximum number of concurrent streams allowed for a peer on one HTTP/2 connection. */
          maxConcurrentStreams?: number;
          /** Maximum number of requests per connection to a backend. */
          maxRequestsPerConnection?: number;
          /** Maximum number of retries that can be outstanding to all hosts in a cluster at a given time. */
          maxRetries?: number;
          /** If set to true, client protocol will be preserved while initiating connection to backend. */
          useClientProtocol?: boolean;
        };
        /** Settings common to both HTTP and TCP upstream connections. */
        tcp?: {
          /** TCP connection timeout. */
          connectTimeout?: string;
          /** The idle timeout for TCP connections. */
          idleTimeout?: string;
          /** The maximum duration of a connection. */
          maxConnectionDuration?: string;
          /** Maximum number of HTTP1 /TCP connections to a destination host. */
          maxConnections?: number;
          /** If set then set SO_KEEPALIVE on the socket to enable TCP Keepalives. */
          tcpKeepalive?: {
            /** The time duration between keep-alive probes. */
            interval?: string;
            /** Maximum number of keepalive probes to send without response before deciding the connection is dead. */
            probes?: number;
            /** The time duration a connection needs to be idle before keep-alive probes start being sent. */
            time?: string;
          };
        };
      };
      /** Settings controlling the load balancer algorithms. */
      loadBalancer?: {
        /** Utilization-based load balancing that uses backend-reported ORCA metrics to weight endpoints by their current load. */
        backendUtilization?: {
          /** Additional penalty applied to endpoints that return errors, expressed as a percentage of the utilization. */
          errorUtilizationPenaltyPercent?: number;
          /** Custom ORCA metric names used to compute utilization. */
          metricNamesForComputingUtilization?: string[];
          /** If an endpoint stops reporting utilization metrics for this long, its reported weight is discarded and it reverts to the default (equal) weight. */
          weightExpirationPeriod?: string;
          /** Duration after an endpoint first reports metrics before its weight is trusted. */
          weightStabilizationPeriod?: string;
          /** How often the load balancer recomputes endpoint weights from the latest reported utilization data. */
          weightUpdatePeriod?: string;
        };
        /** Consistent Hash-based load balancing can be used to provide soft session affinity based on HTTP headers, cookies or other properties. */
        consistentHash?: {
          /** Hash based on HTTP cookie. */
          httpCookie?: {
            /** Additional attributes for the cookie. */
            attributes?: Array<{
              /** The name of the cookie attribute. */
              name: string;
              /** The optional value of the cookie attribute. */
              value?: string;
            }>;
            /** Name of the cookie. */
            name: string;
            /** Path to set for the cookie. */
            path?: string;
            /** Lifetime of the cookie. */
            ttl?: string;
          };
          /** Hash based on a specific HTTP header. */
          httpHeaderName?: string;
          /** Hash based on a specific HTTP query parameter. */
          httpQueryParameterName?: string;
          /** The Maglev load balancer implements consistent hashing to backend hosts. */
          maglev?: {
            /** The table size for Maglev hashing. */
            tableSize?: number;
          };
          /** Deprecated. */
          minimumRingSize?: number;
          /** The ring/modulo hash load balancer implements consistent hashing to backend hosts. */
          ringHash?: {
            /** The minimum number of virtual nodes to use for the hash ring. */
            minimumRingSize?: number;
          };
          /** Hash based on the source IP address. */
          useSourceIp?: boolean;
        };
        /** Locality load balancer settings. */
        localityLbSetting?: {
          /** Optional: only one of distribute, failover or failoverPriority can be set. */
          distribute?: Array<{
            /** Originating locality, '/' separated, e.g. */
            from?: string;
            /** Map of upstream localities to traffic distribution weights. */
            to?: Record<string, number>;
          }>;
          /** Enable locality load balancing. */
          enabled?: boolean;
          /** Optional: only one of distribute, failover or failoverPriority can be set. */
          failover?: Array<{
            /** Originating region. */
            from?: string;
            /** Destination region the traffic will fail over to when endpoints in the 'from' region becomes unhealthy. */
            to?: string;
          }>;
          /** failoverPriority is an ordered list of labels used to sort endpoints to do priority based load balancing. */
          failoverPriority?: string[];
        };
        /** Standard load balancing algorithms that require no tuning. */
        simple?: 'UNSPECIFIED' | 'LEAST_CONN' | 'RANDOM' | 'PASSTHROUGH' | 'ROUND_ROBIN' | 'LEAST_REQUEST';
        /** Represents the warmup configuration of Service. */
        warmup?: {
          /** This parameter controls the speed of traffic increase over the warmup duration. */
          aggression?: number;
          duration: string;
          minimumPercent?: number;
        };
        /** Deprecated: use `warmup` instead. */
        warmupDurationSecs?: string;
        /** Zone Aware load balancer settings. */
        zoneAwareLbSetting?: {
          /** Enable zone aware load balancing. */
          enabled?: boolean;
          /** Optional. */
          failover?: Array<{
            /** Originating region. */
            from?: string;
            /** Destination region the traffic will fail over to when endpoints in the 'from' region becomes unhealthy. */
            to?: string;
          }>;
          /** failoverPriority is an ordered list of labels used to sort endpoints for priority-based load balancing. */
          failoverPriority?: string[];
          /** Minimum number of hosts in the upstream cluster's local region required for zone-aware load balancing to be enabled. */
          minClusterSize?: number;
        };
      };
      outlierDetection?: {
        /** Minimum ejection duration. */
        baseEjectionTime?: string;
        /** Number of 5xx errors before a host is ejected from the connection pool. */
        consecutive5xxErrors?: number;
        consecutiveErrors?: number;
        /** Number of gateway errors before a host is ejected from the connection pool. */
        consecutiveGatewayErrors?: number;
        /** The number of consecutive locally originated failures before ejection occurs. */
        consecutiveLocalOriginFailures?: number;
        /** Time interval between ejection sweep analysis. */
        interval?: string;
        /** Maximum % of hosts in the load balancing pool for the upstream service that can be ejected. */
        maxEjectionPercent?: number;
        /** Outlier detection will be enabled as long as the associated load balancing pool has at least `minHealthPercent` hosts in healthy mode. */
        minHealthPercent?: number;
        /** Specifies the HTTP response status codes that are treated as outlier detection errors. */
        outlierDetectionHttpErrorCodes?: number[];
        /** Determines whether to distinguish local origin failures from external errors. */
        splitExternalLocalOriginErrors?: boolean;
      };
      /** Traffic policies specific to individual ports. */
      portLevelSettings?: Array<{
        connectionPool?: {
          /** HTTP connection pool settings. */
          http?: {
            /** Specify if http1.1 connection should be upgraded to http2 for the associated destination. */
            h2UpgradePolicy?: 'DEFAULT' | 'DO_NOT_UPGRADE' | 'UPGRADE';
            /** Maximum number of requests that will be queued while waiting for a ready connection pool connection. */
            http1MaxPendingRequests?: number;
            /** Configure HTTP/2 PING frames for upstream connections. */
            http2KeepAlive?: {
              /** Send HTTP/2 PING frames at this interval. */
              interval?: string;
              /** How long to wait for a response to an HTTP/2 PING frame before closing the connection. */
              timeout?: string;
            };
            /** Maximum number of active requests to a destination. */
            http2MaxRequests?: number;
            /** The idle timeout for upstream connection pool connections. */
            idleTimeout?: string;
            /** The maximum number of concurrent streams allowed for a peer on one HTTP/2 connection. */
            maxConcurrentStreams?: number;
            /** Maximum number of requests per connection to a backend. */
            maxRequestsPerConnection?: number;
            /** Maximum number of retries that can be outstanding to all hosts in a cluster at a given time. */
            maxRetries?: number;
            /** If set to true, client protocol will be preserved while initiating connection to backend. */
            useClientProtocol?: boolean;
          };
          /** Settings common to both HTTP and TCP upstream connections. */
          tcp?: {
            /** TCP connection timeout. */
            connectTimeout?: string;
            /** The idle timeout for TCP connections. */
            idleTimeout?: string;
            /** The maximum duration of a connection. */
            maxConnectionDuration?: string;
            /** Maximum number of HTTP1 /TCP connections to a destination host. */
            maxConnections?: number;
            /** If set then set SO_KEEPALIVE on the socket to enable TCP Keepalives. */
            tcpKeepalive?: {
              /** The time duration between keep-alive probes. */
              interval?: string;
              /** Maximum number of keepalive probes to send without response before deciding the connection is dead. */
              probes?: number;
              /** The time duration a connection needs to be idle before keep-alive probes start being sent. */
              time?: string;
            };
          };
        };
        /** Settings controlling the load balancer algorithms. */
        loadBalancer?: {
          /** Utilization-based load balancing that uses backend-reported ORCA metrics to weight endpoints by their current load. */
          backendUtilization?: {
            /** Additional penalty applied to endpoints that return errors, expressed as a percentage of the utilization. */
            errorUtilizationPenaltyPercent?: number;
            /** Custom ORCA metric names used to compute utilization. */
            metricNamesForComputingUtilization?: string[];
            /** If an endpoint stops reporting utilization metrics for this long, its reported weight is discarded and it reverts to the default (equal) weight. */
            weightExpirationPeriod?: string;
            /** Duration after an endpoint first reports metrics before its weight is trusted. */
            weightStabilizationPeriod?: string;
            /** How often the load balancer recomputes endpoint weights from the latest reported utilization data. */
            weightUpdatePeriod?: string;
          };
          /** Consistent Hash-based load balancing can be used to provide soft session affinity based on HTTP headers, cookies or other properties. */
          consistentHash?: {
            /** Hash based on HTTP cookie. */
            httpCookie?: {
              /** Additional attributes for the cookie. */
              attributes?: Array<{
                /** The name of the cookie attribute. */
                name: string;
                /** The optional value of the cookie attribute. */
                value?: string;
              }>;
              /** Name of the cookie. */
              name: string;
              /** Path to set for the cookie. */
              path?: string;
              /** Lifetime of the cookie. */
              ttl?: string;
            };
            /** Hash based on a specific HTTP header. */
            httpHeaderName?: string;
            /** Hash based on a specific HTTP query parameter. */
            httpQueryParameterName?: string;
            /** The Maglev load balancer implements consistent hashing to backend hosts. */
            maglev?: {
              /** The table size for Maglev hashing. */
              tableSize?: number;
            };
            /** Deprecated. */
            minimumRingSize?: number;
            /** The ring/modulo hash load balancer implements consistent hashing to backend hosts. */
            ringHash?: {
              /** The minimum number of virtual nodes to use for the hash ring. */
              minimumRingSize?: number;
            };
            /** Hash based on the source IP address. */
            useSourceIp?: boolean;
          };
          /** Locality load balancer settings. */
          localityLbSetting?: {
            /** Optional: only one of distribute, failover or failoverPriority can be set. */
            distribute?: Array<{
              /** Originating locality, '/' separated, e.g. */
              from?: string;
              /** Map of upstream localities to traffic distribution weights. */
              to?: Record<string, number>;
            }>;
            /** Enable locality load balancing. */
            enabled?: boolean;
            /** Optional: only one of distribute, failover or failoverPriority can be set. */
            failover?: Array<{
              /** Originating region. */
              from?: string;
              /** Destination region the traffic will fail over to when endpoints in the 'from' region becomes unhealthy. */
              to?: string;
            }>;
            /** failoverPriority is an ordered list of labels used to sort endpoints to do priority based load balancing. */
            failoverPriority?: string[];
          };
          /** Standard load balancing algorithms that require no tuning. */
          simple?: 'UNSPECIFIED' | 'LEAST_CONN' | 'RANDOM' | 'PASSTHROUGH' | 'ROUND_ROBIN' | 'LEAST_REQUEST';
          /** Represents the warmup configuration of Service. */
          warmup?: {
            /** This parameter controls the speed of traffic increase over the warmup duration. */
            aggression?: number;
            duration: string;
            minimumPercent?: number;
          };
          /** Deprecated: use `warmup` instead. */
          warmupDurationSecs?: string;
          /** Zone Aware load balancer settings. */
          zoneAwareLbSetting?: {
            /** Enable zone aware load balancing. */
            enabled?: boolean;
            /** Optional. */
            failover?: Array<{
              /** Originating region. */
              from?: string;
              /** Destination region the traffic will fail over to when endpoints in the 'from' region becomes unhealthy. */
              to?: string;
            }>;
            /** failoverPriority is an ordered list of labels used to sort endpoints for priority-based load balancing. */
            failoverPriority?: string[];
            /** Minimum number of hosts in the upstream cluster's local region required for zone-aware load balancing to be enabled. */
            minClusterSize?: number;
          };
        };
        outlierDetection?: {
          /** Minimum ejection duration. */
          baseEjectionTime?: string;
          /** Number of 5xx errors before a host is ejected from the connection pool. */
          consecutive5xxErrors?: number;
          consecutiveErrors?: number;
          /** Number of gateway errors before a host is ejected from the connection pool. */
          consecutiveGatewayErrors?: number;
          /** The number of consecutive locally originated failures before ejection occurs. */
          consecutiveLocalOriginFailures?: number;
          /** Time interval between ejection sweep analysis. */
          interval?: string;
          /** Maximum % of hosts in the load balancing pool for the upstream service that can be ejected. */
          maxEjectionPercent?: number;
          /** Outlier detection will be enabled as long as the associated load balancing pool has at least `minHealthPercent` hosts in healthy mode. */
          minHealthPercent?: number;
          /** Specifies the HTTP response status codes that are treated as outlier detection errors. */
          outlierDetectionHttpErrorCodes?: number[];
          /** Determines whether to distinguish local origin failures from external errors. */
          splitExternalLocalOriginErrors?: boolean;
        };
        /** Specifies the number of a port on the destination service on which this policy is being applied. */
        port?: {
          number?: number;
        };
        /** TLS related settings for connections to the upstream service. */
        tls?: {
          /** OPTIONAL: The path to the file containing certificate authority certificates to use in verifying a presented server certificate. */
          caCertificates?: string;
          /** OPTIONAL: The path to the file containing the certificate revocation list (CRL) to use in verifying a presented server certificate. */
          caCrl?: string;
          /** REQUIRED if mode is `MUTUAL`. */
          clientCertificate?: string;
          /** The name of the secret that holds the TLS certs for the client including the CA certificates. */
          credentialName?: string;
          /** `insecureSkipVerify` specifies whether the proxy should skip verifying the CA signature and SAN for the server certificate corresponding to the host. */
          insecureSkipVerify?: boolean;
          /** Indicates whether connections to this port should be secured using TLS. */
          mode?: 'DISABLE' | 'SIMPLE' | 'MUTUAL' | 'ISTIO_MUTUAL';
          /** REQUIRED if mode is `MUTUAL`. */
          privateKey?: string;
          /** SNI string to present to the server during TLS handshake. */
          sni?: string;
          /** A list of alternate names to verify the subject identity in the certificate. */
          subjectAltNames?: string[];
        };
      }>;
      /** The upstream PROXY protocol settings. */
      proxyProtocol?: {
        /** The PROXY protocol version to use. */
        version?: 'V1' | 'V2';
      };
      /** Specifies a limit on concurrent retries in relation to the number of active requests. */
      retryBudget?: {
        /** Specifies the duration in which requests will be considered when calculating the budget for retries. */
        budgetInterval?: string;
        /** Specifies the minimum retry concurrency allowed for the retry budget. */
        minRetryConcurrency?: number;
        /** Specifies the limit on concurrent retries as a percentage of the sum of active requests and active pending requests. */
        percent?: number;
      };
      /** TLS related settings for connections to the upstream service. */
      tls?: {
        /** OPTIONAL: The path to the file containing certificate authority certificates to use in verifying a presented server certificate. */
        caCertificates?: string;
        /** OPTIONAL: The path to the file containing the certificate revocation list (CRL) to use in verifying a presented server certificate. */
        caCrl?: string;
        /** REQUIRED if mode is `MUTUAL`. */
        clientCertificate?: string;
        /** The name of the secret that holds the TLS certs for the client including the CA certificates. */
        credentialName?: string;
        /** `insecureSkipVerify` specifies whether the proxy should skip verifying the CA signature and SAN for the server certificate corresponding to the host. */
        insecureSkipVerify?: boolean;
        /** Indicates whether connections to this port should be secured using TLS. */
        mode?: 'DISABLE' | 'SIMPLE' | 'MUTUAL' | 'ISTIO_MUTUAL';
        /** REQUIRED if mode is `MUTUAL`. */
        privateKey?: string;
        /** SNI string to present to the server during TLS handshake. */
        sni?: string;
        /** A list of alternate names to verify the subject identity in the certificate. */
        subjectAltNames?: string[];
      };
      /** Configuration of tunneling TCP over other transport or application layers for the host configured in the DestinationRule. */
      tunnel?: {
        /** Specifies which protocol to use for tunneling the downstream connection. */
        protocol?: string;
        /** Specifies a host to which the downstream connection is tunneled. */
        targetHost: string;
        /** Specifies a port to which the downstream connection is tunneled. */
        targetPort: number;
      };
    };
  }>;
  /** Traffic policies to apply (load balancing policy, connection pool sizes, outlier detection). */
  trafficPolicy?: {
    connectionPool?: {
      /** HTTP connection pool settings. */
      http?: {
        /** Specify if http1.1 connection should be upgraded to http2 for the associated destination. */
        h2UpgradePolicy?: 'DEFAULT' | 'DO_NOT_UPGRADE' | 'UPGRADE';
        /** Maximum number of requests that will be queued while waiting for a ready connection pool connection. */
        http1MaxPendingRequests?: number;
        /** Configure HTTP/2 PING frames for upstream connections. */
        http2KeepAlive?: {
          /** Send HTTP/2 PING frames at this interval. */
          interval?: string;
          /** How long to wait for a response to an HTTP/2 PING frame before closing the connection. */
          timeout?: string;
        };
        /** Maximum number of active requests to a destination. */
        http2MaxRequests?: number;
        /** The idle timeout for upstream connection pool connections. */
        idleTimeout?: string;
        /** The maximum number of concurrent streams allowed for a peer on one HTTP/2 connection. */
        maxConcurrentStreams?: number;
        /** Maximum number of requests per connection to a backend. */
        maxRequestsPerConnection?: number;
        /** Maximum number of retries that can be outstanding to all hosts in a cluster at a given time. */
        maxRetries?: number;
        /** If set to true, client protocol will be preserved while initiating connection to backend. */
        useClientProtocol?: boolean;
      };
      /** Settings common to both HTTP and TCP upstream connections. */
      tcp?: {
        /** TCP connection timeout. */
        connectTimeout?: string;
        /** The idle timeout for TCP connections. */
        idleTimeout?: string;
        /** The maximum duration of a connection. */
        maxConnectionDuration?: string;
        /** Maximum number of HTTP1 /TCP connections to a destination host. */
        maxConnections?: number;
        /** If set then set SO_KEEPALIVE on the socket to enable TCP Keepalives. */
        tcpKeepalive?: {
          /** The time duration between keep-alive probes. */
          interval?: string;
          /** Maximum number of keepalive probes to send without response before deciding the connection is dead. */
          probes?: number;
          /** The time duration a connection needs to be idle before keep-alive probes start being sent. */
          time?: string;
        };
      };
    };
    /** Settings controlling the load balancer algorithms. */
    loadBalancer?: {
      /** Utilization-based load balancing that uses backend-reported ORCA metrics to weight endpoints by their current load. */
      backendUtilization?: {
        /** Additional penalty applied to endpoints that return errors, expressed as a percentage of the utilization. */
        errorUtilizationPenaltyPercent?: number;
        /** Custom ORCA metric names used to compute utilization. */
        metricNamesForComputingUtilization?: string[];
        /** If an endpoint stops reporting utilization metrics for this long, its reported weight is discarded and it reverts to the default (equal) weight. */
        weightExpirationPeriod?: string;
        /** Duration after an endpoint first reports metrics before its weight is trusted. */
        weightStabilizationPeriod?: string;
        /** How often the load balancer recomputes endpoint weights from the latest reported utilization data. */
        weightUpdatePeriod?: string;
      };
      /** Consistent Hash-based load balancing can be used to provide soft session affinity based on HTTP headers, cookies or other properties. */
      consistentHash?: {
        /** Hash based on HTTP cookie. */
        httpCookie?: {
          /** Additional attributes for the cookie. */
          attributes?: Array<{
            /** The name of the cookie attribute. */
            name: string;
            /** The optional value of the cookie attribute. */
            value?: string;
          }>;
          /** Name of the cookie. */
          name: string;
          /** Path to set for the cookie. */
          path?: string;
          /** Lifetime of the cookie. */
          ttl?: string;
        };
        /** Hash based on a specific HTTP header. */
        httpHeaderName?: string;
        /** Hash based on a specific HTTP query parameter. */
        httpQueryParameterName?: string;
        /** The Maglev load balancer implements consistent hashing to backend hosts. */
        maglev?: {
          /** The table size for Maglev hashing. */
          tableSize?: number;
        };
        /** Deprecated. */
        minimumRingSize?: number;
        /** The ring/modulo hash load balancer implements consistent hashing to backend hosts. */
        ringHash?: {
          /** The minimum number of virtual nodes to use for the hash ring. */
          minimumRingSize?: number;
        };
        /** Hash based on the source IP address. */
        useSourceIp?: boolean;
      };
      /** Locality load balancer settings. */
      localityLbSetting?: {
        /** Optional: only one of distribute, failover or failoverPriority can be set. */
        distribute?: Array<{
          /** Originating locality, '/' separated, e.g. */
          from?: string;
          /** Map of upstream localities to traffic distribution weights. */
          to?: Record<string, number>;
        }>;
        /** Enable locality load balancing. */
        enabled?: boolean;
        /** Optional: only one of distribute, failover or failoverPriority can be set. */
        failover?: Array<{
          /** Originating region. */
          from?: string;
          /** Destination region the traffic will fail over to when endpoints in the 'from' region becomes unhealthy. */
          to?: string;
        }>;
        /** failoverPriority is an ordered list of labels used to sort endpoints to do priority based load balancing. */
        failoverPriority?: string[];
      };
      /** Standard load balancing algorithms that require no tuning. */
      simple?: 'UNSPECIFIED' | 'LEAST_CONN' | 'RANDOM' | 'PASSTHROUGH' | 'ROUND_ROBIN' | 'LEAST_REQUEST';
      /** Represents the warmup configuration of Service. */
      warmup?: {
        /** This parameter controls the speed of traffic increase over the warmup duration. */
        aggression?: number;
        duration: string;
        minimumPercent?: number;
      };
      /** Deprecated: use `warmup` instead. */
      warmupDurationSecs?: string;
      /** Zone Aware load balancer settings. */
      zoneAwareLbSetting?: {
        /** Enable zone aware load balancing. */
        enabled?: boolean;
        /** Optional. */
        failover?: Array<{
          /** Originating region. */
          from?: string;
          /** Destination region the traffic will fail over to when endpoints in the 'from' region becomes unhealthy. */
          to?: string;
        }>;
        /** failoverPriority is an ordered list of labels used to sort endpoints for priority-based load balancing. */
        failoverPriority?: string[];
        /** Minimum number of hosts in the upstream cluster's local region required for zone-aware load balancing to be enabled. */
        minClusterSize?: number;
      };
    };
    outlierDetection?: {
      /** Minimum ejection duration. */
      baseEjectionTime?: string;
      /** Number of 5xx errors before a host is ejected from the connection pool. */
      consecutive5xxErrors?: number;
      consecutiveErrors?: number;
      /** Number of gateway errors before a host is ejected from the connection pool. */
      consecutiveGatewayErrors?: number;
      /** The number of consecutive locally originated failures before ejection occurs. */
      consecutiveLocalOriginFailures?: number;
      /** Time interval between ejection sweep analysis. */
      interval?: string;
      /** Maximum % of hosts in the load balancing pool for the upstream service that can be ejected. */
      maxEjectionPercent?: number;
      /** Outlier detection will be enabled as long as the associated load balancing pool has at least `minHealthPercent` hosts in healthy mode. */
      minHealthPercent?: number;
      /** Specifies the HTTP response status codes that are treated as outlier detection errors. */
      outlierDetectionHttpErrorCodes?: number[];
      /** Determines whether to distinguish local origin failures from external errors. */
      splitExternalLocalOriginErrors?: boolean;
    };
    /** Traffic policies specific to individual ports. */
    portLevelSettings?: Array<{
      connectionPool?: {
        /** HTTP connection pool settings. */
        http?: {
          /** Specify if http1.1 connection should be upgraded to http2 for the associated destination. */
          h2UpgradePolicy?: 'DEFAULT' | 'DO_NOT_UPGRADE' | 'UPGRADE';
          /** Maximum number of requests that will be queued while waiting for a ready connection pool connection. */
          http1MaxPendingRequests?: number;
          /** Configure HTTP/2 PING frames for upstream connections. */
          http2KeepAlive?: {
            /** Send HTTP/2 PING frames at this interval. */
            interval?: string;
            /** How long to wait for a response to an HTTP/2 PING frame before closing the connection. */
            timeout?: string;
          };
          /** Maximum number of active requests to a destination. */
          http2MaxRequests?: number;
          /** The idle timeout for upstream connection pool connections. */
          idleTimeout?: string;
          /** The maximum number of concurrent streams allowed for a peer on one HTTP/2 connection. */
          maxConcurrentStreams?: number;
          /** Maximum number of requests per connection to a backend. */
          maxRequestsPerConnection?: number;
          /** Maximum number of retries that can be outstanding to all hosts in a cluster at a given time. */
          maxRetries?: number;
          /** If set to true, client protocol will be preserved while initiating connection to backend. */
          useClientProtocol?: boolean;
        };
        /** Settings common to both HTTP and TCP upstream connections. */
        tcp?: {
          /** TCP connection timeout. */
          connectTimeout?: string;
          /** The idle timeout for TCP connections. */
          idleTimeout?: string;
          /** The maximum duration of a connection. */
          maxConnectionDuration?: string;
          /** Maximum number of HTTP1 /TCP connections to a destination host. */
          maxConnections?: number;
          /** If set then set SO_KEEPALIVE on the socket to enable TCP Keepalives. */
          tcpKeepalive?: {
            /** The time duration between keep-alive probes. */
            interval?: string;
            /** Maximum number of keepalive probes to send without response before deciding the connection is dead. */
            probes?: number;
            /** The time duration a connection needs to be idle before keep-alive probes start being sent. */
            time?: string;
          };
        };
      };
      /** Settings controlling the load balancer algorithms. */
      loadBalancer?: {
        /** Utilization-based load balancing that uses backend-reported ORCA metrics to weight endpoints by their current load. */
        backendUtilization?: {
          /** Additional penalty applied to endpoints that return errors, expressed as a percentage of the utilization. */
          errorUtilizationPenaltyPercent?: number;
          /** Custom ORCA metric names used to compute utilization. */
          metricNamesForComputingUtilization?: string[];
          /** If an endpoint stops reporting utilization metrics for this long, its reported weight is discarded and it reverts to the default (equal) weight. */
          weightExpirationPeriod?: string;
          /** Duration after an endpoint first reports metrics before its weight is trusted. */
          weightStabilizationPeriod?: string;
          /** How often the load balancer recomputes endpoint weights from the latest reported utilization data. */
          weightUpdatePeriod?: string;
        };
        /** Consistent Hash-based load balancing can be used to provide soft session affinity based on HTTP headers, cookies or other properties. */
        consistentHash?: {
          /** Hash based on HTTP cookie. */
          httpCookie?: {
            /** Additional attributes for the cookie. */
            attributes?: Array<{
              /** The name of the cookie attribute. */
              name: string;
              /** The optional value of the cookie attribute. */
              value?: string;
            }>;
            /** Name of the cookie. */
            name: string;
            /** Path to set for the cookie. */
            path?: string;
            /** Lifetime of the cookie. */
            ttl?: string;
          };
          /** Hash based on a specific HTTP header. */
          httpHeaderName?: string;
          /** Hash based on a specific HTTP query parameter. */
          httpQueryParameterName?: string;
          /** The Maglev load balancer implements consistent hashing to backend hosts. */
          maglev?: {
            /** The table size for Maglev hashing. */
            tableSize?: number;
          };
          /** Deprecated. */
          minimumRingSize?: number;
          /** The ring/modulo hash load balancer implements consistent hashing to backend hosts. */
          ringHash?: {
            /** The minimum number of virtual nodes to use for the hash ring. */
            minimumRingSize?: number;
          };
          /** Hash based on the source IP address. */
          useSourceIp?: boolean;
        };
        /** Locality load balancer settings. */
        localityLbSetting?: {
          /** Optional: only one of distribute, failover or failoverPriority can be set. */
          distribute?: Array<{
            /** Originating locality, '/' separated, e.g. */
            from?: string;
            /** Map of upstream localities to traffic distribution weights. */
            to?: Record<string, number>;
          }>;
          /** Enable locality load balancing. */
          enabled?: boolean;
          /** Optional: only one of distribute, failover or failoverPriority can be set. */
          failover?: Array<{
            /** Originating region. */
            from?: string;
            /** Destination region the traffic will fail over to when endpoints in the 'from' region becomes unhealthy. */
            to?: string;
          }>;
          /** failoverPriority is an ordered list of labels used to sort endpoints to do priority based load balancing. */
          failoverPriority?: string[];
        };
        /** Standard load balancing algorithms that require no tuning. */
        simple?: 'UNSPECIFIED' | 'LEAST_CONN' | 'RANDOM' | 'PASSTHROUGH' | 'ROUND_ROBIN' | 'LEAST_REQUEST';
        /** Represents the warmup configuration of Service. */
        warmup?: {
          /** This parameter controls the speed of traffic increase over the warmup duration. */
          aggression?: number;
          duration: string;
          minimumPercent?: number;
        };
        /** Deprecated: use `warmup` instead. */
        warmupDurationSecs?: string;
        /** Zone Aware load balancer settings. */
        zoneAwareLbSetting?: {
          /** Enable zone aware load balancing. */
          enabled?: boolean;
          /** Optional. */
          failover?: Array<{
            /** Originating region. */
            from?: string;
            /** Destination region the traffic will fail over to when endpoints in the 'from' region becomes unhealthy. */
            to?: string;
          }>;
          /** failoverPriority is an ordered list of labels used to sort endpoints for priority-based load balancing. */
          failoverPriority?: string[];
          /** Minimum number of hosts in the upstream cluster's local region required for zone-aware load balancing to be enabled. */
          minClusterSize?: number;
        };
      };
      outlierDetection?: {
        /** Minimum ejection duration. */
        baseEjectionTime?: string;
        /** Number of 5xx errors before a host is ejected from the connection pool. */
        consecutive5xxErrors?: number;
        consecutiveErrors?: number;
        /** Number of gateway errors before a host is ejected from the connection pool. */
        consecutiveGatewayErrors?: number;
        /** The number of consecutive locally originated failures before ejection occurs. */
        consecutiveLocalOriginFailures?: number;
        /** Time interval between ejection sweep analysis. */
        interval?: string;
        /** Maximum % of hosts in the load balancing pool for the upstream service that can be ejected. */
        maxEjectionPercent?: number;
        /** Outlier detection will be enabled as long as the associated load balancing pool has at least `minHealthPercent` hosts in healthy mode. */
        minHealthPercent?: number;
        /** Specifies the HTTP response status codes that are treated as outlier detection errors. */
        outlierDetectionHttpErrorCodes?: number[];
        /** Determines whether to distinguish local origin failures from external errors. */
        splitExternalLocalOriginErrors?: boolean;
      };
      /** Specifies the number of a port on the destination service on which this policy is being applied. */
      port?: {
        number?: number;
      };
      /** TLS related settings for connections to the upstream service. */
      tls?: {
        /** OPTIONAL: The path to the file containing certificate authority certificates to use in verifying a presented server certificate. */
        caCertificates?: string;
        /** OPTIONAL: The path to the file containing the certificate revocation list (CRL) to use in verifying a presented server certificate. */
        caCrl?: string;
        /** REQUIRED if mode is `MUTUAL`. */
        clientCertificate?: string;
        /** The name of the secret that holds the TLS certs for the client including the CA certificates. */
        credentialName?: string;
        /** `insecureSkipVerify` specifies whether the proxy should skip verifying the CA signature and SAN for the server certificate corresponding to the host. */
        insecureSkipVerify?: boolean;
        /** Indicates whether connections to this port should be secured using TLS. */
        mode?: 'DISABLE' | 'SIMPLE' | 'MUTUAL' | 'ISTIO_MUTUAL';
        /** REQUIRED if mode is `MUTUAL`. */
        privateKey?: string;
        /** SNI string to present to the server during TLS handshake. */
        sni?: string;
        /** A list of alternate names to verify the subject identity in the certificate. */
        subjectAltNames?: string[];
      };
    }>;
    /** The upstream PROXY protocol settings. */
    proxyProtocol?: {
      /** The PROXY protocol version to use. */
      version?: 'V1' | 'V2';
    };
    /** Specifies a limit on concurrent retries in relation to the number of active requests. */
    retryBudget?: {
      /** Specifies the duration in which requests will be considered when calculating the budget for retries. */
      budgetInterval?: string;
      /** Specifies the minimum retry concurrency allowed for the retry budget. */
      minRetryConcurrency?: number;
      /** Specifies the limit on concurrent retries as a percentage of the sum of active requests and active pending requests. */
      percent?: number;
    };
    /** TLS related settings for connections to the upstream service. */
    tls?: {
      /** OPTIONAL: The path to the file containing certificate authority certificates to use in verifying a presented server certificate. */
      caCertificates?: string;
      /** OPTIONAL: The path to the file containing the certificate revocation list (CRL) to use in verifying a presented server certificate. */
      caCrl?: string;
      /** REQUIRED if mode is `MUTUAL`. */
      clientCertificate?: string;
      /** The name of the secret that holds the TLS certs for the client including the CA certificates. */
      credentialName?: string;
      /** `insecureSkipVerify` specifies whether the proxy should skip verifying the CA signature and SAN for the server certificate corresponding to the host. */
      insecureSkipVerify?: boolean;
      /** Indicates whether connections to this port should be secured using TLS. */
      mode?: 'DISABLE' | 'SIMPLE' | 'MUTUAL' | 'ISTIO_MUTUAL';
      /** REQUIRED if mode is `MUTUAL`. */
      privateKey?: string;
      /** SNI string to present to the server during TLS handshake. */
      sni?: string;
      /** A list of alternate names to verify the subject identity in the certificate. */
      subjectAltNames?: string[];
    };
    /** Configuration of tunneling TCP over other transport or application layers for the host configured in the DestinationRule. */
    tunnel?: {
      /** Specifies which protocol to use for tunneling the downstream connection. */
      protocol?: string;
      /** Specifies a host to which the downstream connection is tunneled. */
      targetHost: string;
      /** Specifies a port to which the downstream connection is tunneled. */
      targetPort: number;
    };
  };
  /** Criteria used to select the specific set of pods/VMs on which this `DestinationRule` configuration should be applied. */
  workloadSelector?: {
    /** One or more labels that indicate a specific set of pods/VMs on which a policy should be applied. */
    matchLabels?: Record<string, string>;
  };
}

/** Configuration affecting edge load balancer. (networking.istio.io/v1 Gateway) */
export interface GatewaySpec {
  /** One or more labels that indicate a specific set of pods/VMs on which this gateway configuration should be applied. */
  selector?: Record<string, string>;
  /** A list of server specifications. */
  servers?: Array<{
    /** The ip or the Unix domain socket to which the listener should be bound to. */
    bind?: string;
    defaultEndpoint?: string;
    /** One or more hosts exposed by this gateway. */
    hosts: string[];
    /** An optional name of the server, when set must be unique across all servers. */
    name?: string;
    /** The Port on which the proxy should listen for incoming connections. */
    port: {
      /** Label assigned to the port. */
      name: string;
      /** A valid non-negative integer port number. */
      number: number;
      /** The protocol exposed on the port. */
      protocol: string;
      targetPort?: number;
    };
    /** Set of TLS related options that govern the server's behavior. */
    tls?: {
      /** For mutual TLS, the name of the secret or the configmap that holds CA certificates. */
      caCertCredentialName?: string;
      /** REQUIRED if mode is `MUTUAL` or `OPTIONAL_MUTUAL`. */
      caCertificates?: string;
      /** OPTIONAL: The path to the file containing the certificate revocation list (CRL) to use in verifying a presented client side certificate. */
      caCrl?: string;
      /** Optional: If specified, only support the specified cipher list. */
      cipherSuites?: string[];
      /** For gateways running on Kubernetes, the name of the secret that holds the TLS certs including the CA certificates. */
      credentialName?: string;
      /** Same as CredentialName but for multiple certificates. */
      credentialNames?: string[];
      /** Optional: If specified, only support the specified ecdh curves. */
      ecdhCurves?: string[];
      /** If set to true, the load balancer will send a 301 redirect for all http connections, asking the clients to use HTTPS. */
      httpsRedirect?: boolean;
      /** Optional: If set to true, the proxy will try to validate the certificate, but even if the validation fails, it will allow the connection through. */
      insecureSkipVerify?: boolean;
      /** Optional: Maximum TLS protocol version. */
      maxProtocolVersion?: 'TLS_AUTO' | 'TLSV1_0' | 'TLSV1_1' | 'TLSV1_2' | 'TLSV1_3';
      /** Optional: Minimum TLS protocol version. */
      minProtocolVersion?: 'TLS_AUTO' | 'TLSV1_0' | 'TLSV1_1' | 'TLSV1_2' | 'TLSV1_3';
      /** Optional: Indicates whether connections to this port should be secured using TLS. */
      mode?: 'PASSTHROUGH' | 'SIMPLE' | 'MUTUAL' | 'AUTO_PASSTHROUGH' | 'ISTIO_MUTUAL' | 'OPTIONAL_MUTUAL';
      /** REQUIRED if mode is `SIMPLE` or `MUTUAL`. */
      privateKey?: string;
      /** REQUIRED if mode is `SIMPLE` or `MUTUAL`. */
      serverCertificate?: string;
      /** A list of alternate names to verify the subject identity in the certificate presented by the client. */
      subjectAltNames?: string[];
      /** Only one of `server_certificate`, `private_key` or `credential_name` or `credential_names` or `tls_certificates` should be specified. */
      tlsCertificates?: Array<{
        caCertificates?: string;
        /** REQUIRED if mode is `SIMPLE` or `MUTUAL`. */
        privateKey?: string;
        /** REQUIRED if mode is `SIMPLE` or `MUTUAL`. */
        serverCertificate?: string;
      }>;
      /** An optional list of hex-encoded SHA-256 hashes of the authorized client certificates. */
      verifyCertificateHash?: string[];
      /** An optional list of base64-encoded SHA-256 hashes of the SPKIs of authorized client certificates. */
      verifyCertificateSpki?: string[];
    };
  }>;
}

/** Configuration affecting service registry. (networking.istio.io/v1 ServiceEntry) */
export interface ServiceEntrySpec {
  /** The virtual IP addresses associated with the service. */
  addresses?: string[];
  /** One or more endpoints associated with the service. */
  endpoints?: Array<{
    /** Address associated with the network endpoint without the port. */
    address?: string;
    /** One or more labels associated with the endpoint. */
    labels?: Record<string, string>;
    /** The locality associated with the endpoint. */
    locality?: string;
    /** Network enables Istio to group endpoints resident in the same L3 domain/network. */
    network?: string;
    /** Set of ports associated with the endpoint. */
    ports?: Record<string, number>;
    /** The service account associated with the workload if a sidecar is present in the workload. */
    serviceAccount?: string;
    /** The load balancing weight associated with the endpoint. */
    weight?: number;
  }>;
  /** A list of namespaces to which this service is exported. */
  exportTo?: string[];
  /** The hosts associated with the ServiceEntry. */
  hosts: string[];
  /** Specify whether the service should be considered external to the mesh or part of the mesh. */
  location?: 'MESH_EXTERNAL' | 'MESH_INTERNAL';
  /** The ports associated with the external service. */
  ports?: Array<{
    /** Label assigned to the port. */
    name: string;
    /** A valid non-negative integer port number. */
    number: number;
    /** The protocol exposed on the port. */
    protocol?: string;
    /** The port number on the endpoint where the traffic will be received. */
    targetPort?: number;
  }>;
  /** Service resolution mode for the hosts. */
  resolution?: 'NONE' | 'STATIC' | 'DNS' | 'DNS_ROUND_ROBIN' | 'DYNAMIC_DNS';
  /** If specified, the proxy will verify that the server certificate's subject alternate name matches one of the specified values. */
  subjectAltNames?: string[];
  /** Applicable only for MESH_INTERNAL services. */
  workloadSelector?: {
    /** One or more labels that indicate a specific set of pods/VMs on which the configuration should be applied. */
    labels?: Record<string, string>;
  };
}

/** Configuration affecting network reachability of a sidecar. (networking.istio.io/v1 Sidecar) */
export interface SidecarSpec {
  /** Egress specifies the configuration of the sidecar for processing outbound traffic from the attached workload instance to other services in the mesh. */
  egress?: Array<{
    /** The IP(IPv4 or IPv6) or the Unix domain socket to which the listener should be bound to. */
    bind?: string;
    /** When the bind address is an IP, the captureMode option dictates how traffic to the listener is expected to be captured (or not). */
    captureMode?: 'DEFAULT' | 'IPTABLES' | 'NONE';
    /** One or more service hosts exposed by the listener in `namespace/dnsName` format. */
    hosts: string[];
    /** The port associated with the listener. */
    port?: {
      /** Label assigned to the port. */
      name?: string;
      /** A valid non-negative integer port number. */
      number?: number;
      /** The protocol exposed on the port. */
      protocol?: string;
      targetPort?: number;
    };
  }>;
  /** Settings controlling the volume of connections Envoy will accept from the network. */
  inboundConnectionPool?: {
    /** HTTP connection pool settings. */
    http?: {
      /** Specify if http1.1 connection should be upgraded to http2 for the associated destination. */
      h2UpgradePolicy?: 'DEFAULT' | 'DO_NOT_UPGRADE' | 'UPGRADE';
      /** Maximum number of requests that will be queued while waiting for a ready connection pool connection. */
      http1MaxPendingRequests?: number;
      /** Configure HTTP/2 PING frames for upstream connections. */
      http2KeepAlive?: {
        /** Send HTTP/2 PING frames at this interval. */
        interval?: string;
        /** How long to wait for a response to an HTTP/2 PING frame before closing the connection. */
        timeout?: string;
      };
      /** Maximum number of active requests to a destination. */
      http2MaxRequests?: number;
      /** The idle timeout for upstream connection pool connections. */
      idleTimeout?: string;
      /** The maximum number of concurrent streams allowed for a peer on one HTTP/2 connection. */
      maxConcurrentStreams?: number;
      /** Maximum number of requests per connection to a backend. */
      maxRequestsPerConnection?: number;
      /** Maximum number of retries that can be outstanding to all hosts in a cluster at a given time. */
      maxRetries?: number;
      /** If set to true, client protocol will be preserved while initiating connection to backend. */
      useClientProtocol?: boolean;
    };
    /** Settings common to both HTTP and TCP upstream connections. */
    tcp?: {
      /** TCP connection timeout. */
      connectTimeout?: string;
      /** The idle timeout for TCP connections. */
      idleTimeout?: string;
      /** The maximum duration of a connection. */
      maxConnectionDuration?: string;
      /** Maximum number of HTTP1 /TCP connections to a destination host. */
      maxConnections?: number;
      /** If set then set SO_KEEPALIVE on the socket to enable TCP Keepalives. */
      tcpKeepalive?: {
        /** The time duration between keep-alive probes. */
        interval?: string;
        /** Maximum number of keepalive probes to send without response before deciding the connection is dead. */
        probes?: number;
        /** The time duration a connection needs to be idle before keep-alive probes start being sent. */
        time?: string;
      };
    };
  };
  /** Ingress specifies the configuration of the sidecar for processing inbound traffic to the attached workload instance. */
  ingress?: Array<{
    /** The IP(IPv4 or IPv6) to which the listener should be bound. */
    bind?: string;
    /** The captureMode option dictates how traffic to the listener is expected to be captured (or not). */
    captureMode?: 'DEFAULT' | 'IPTABLES' | 'NONE';
    /** Settings controlling the volume of connections Envoy will accept from the network. */
    connectionPool?: {
      /** HTTP connection pool settings. */
      http?: {
        /** Specify if http1.1 connection should be upgraded to http2 for the associated destination. */
        h2UpgradePolicy?: 'DEFAULT' | 'DO_NOT_UPGRADE' | 'UPGRADE';
        /** Maximum number of requests that will be queued while waiting for a ready connection pool connection. */
        http1MaxPendingRequests?: number;
        /** Configure HTTP/2 PING frames for upstream connections. */
        http2KeepAlive?: {
          /** Send HTTP/2 PING frames at this interval. */
          interval?: string;
          /** How long to wait for a response to an HTTP/2 PING frame before closing the connection. */
          timeout?: string;
        };
        /** Maximum number of active requests to a destination. */
        http2MaxRequests?: number;
        /** The idle timeout for upstream connection pool connections. */
        idleTimeout?: string;
        /** The maximum number of concurrent streams allowed for a peer on one HTTP/2 connection. */
        maxConcurrentStreams?: number;
        /** Maximum number of requests per connection to a backend. */
        maxRequestsPerConnection?: number;
        /** Maximum number of retries that can be outstanding to all hosts in a cluster at a given time. */
        maxRetries?: number;
        /** If set to true, client protocol will be preserved while initiating connection to backend. */
        useClientProtocol?: boolean;
      };
      /** Settings common to both HTTP and TCP upstream connections. */
      tcp?: {
        /** TCP connection timeout. */
        connectTimeout?: string;
        /** The idle timeout for TCP connections. */
        idleTimeout?: string;
        /** The maximum duration of a connection. */
        maxConnectionDuration?: string;
        /** Maximum number of HTTP1 /TCP connections to a destination host. */
        maxConnections?: number;
        /** If set then set SO_KEEPALIVE on the socket to enable TCP Keepalives. */
        tcpKeepalive?: {
          /** The time duration between keep-alive probes. */
          interval?: string;
          /** Maximum number of keepalive probes to send without response before deciding the connection is dead. */
          probes?: number;
          /** The time duration a connection needs to be idle before keep-alive probes start being sent. */
          time?: string;
        };
      };
    };
    /** The IP endpoint or Unix domain socket to which traffic should be forwarded to. */
    defaultEndpoint?: string;
    /** The port associated with the listener. */
    port: {
      /** Label assigned to the port. */
      name?: string;
      /** A valid non-negative integer port number. */
      number?: number;
      /** The protocol exposed on the port. */
      protocol?: string;
      targetPort?: number;
    };
    /** Set of TLS related options that will enable TLS termination on the sidecar for requests originating from outside the mesh. */
    tls?: {
      /** For mutual TLS, the name of the secret or the configmap that holds CA certificates. */
      caCertCredentialName?: string;
      /** REQUIRED if mode is `MUTUAL` or `OPTIONAL_MUTUAL`. */
      caCertificates?: string;
      /** OPTIONAL: The path to the file containing the certificate revocation list (CRL) to use in verifying a presented client side certificate. */
      caCrl?: string;
      /** Optional: If specified, only support the specified cipher list. */
      cipherSuites?: string[];
      /** For gateways running on Kubernetes, the name of the secret that holds the TLS certs including the CA certificates. */
      credentialName?: string;
      /** Same as CredentialName but for multiple certificates. */
      credentialNames?: string[];
      /** Optional: If specified, only support the specified ecdh curves. */
      ecdhCurves?: string[];
      /** If set to true, the load balancer will send a 301 redirect for all http connections, asking the clients to use HTTPS. */
      httpsRedirect?: boolean;
      /** Optional: If set to true, the proxy will try to validate the certificate, but even if the validation fails, it will allow the connection through. */
      insecureSkipVerify?: boolean;
      /** Optional: Maximum TLS protocol version. */
      maxProtocolVersion?: 'TLS_AUTO' | 'TLSV1_0' | 'TLSV1_1' | 'TLSV1_2' | 'TLSV1_3';
      /** Optional: Minimum TLS protocol version. */
      minProtocolVersion?: 'TLS_AUTO' | 'TLSV1_0' | 'TLSV1_1' | 'TLSV1_2' | 'TLSV1_3';
      /** Optional: Indicates whether connections to this port should be secured using TLS. */
      mode?: 'PASSTHROUGH' | 'SIMPLE' | 'MUTUAL' | 'AUTO_PASSTHROUGH' | 'ISTIO_MUTUAL' | 'OPTIONAL_MUTUAL';
      /** REQUIRED if mode is `SIMPLE` or `MUTUAL`. */
      privateKey?: string;
      /** REQUIRED if mode is `SIMPLE` or `MUTUAL`. */
      serverCertificate?: string;
      /** A list of alternate names to verify the subject identity in the certificate presented by the client. */
      subjectAltNames?: string[];
      /** Only one of `server_certificate`, `private_key` or `credential_name` or `credential_names` or `tls_certificates` should be specified. */
      tlsCertificates?: Array<{
        caCertificates?: string;
        /** REQUIRED if mode is `SIMPLE` or `MUTUAL`. */
        privateKey?: string;
        /** REQUIRED if mode is `SIMPLE` or `MUTUAL`. */
        serverCertificate?: string;
      }>;
      /** An optional list of hex-encoded SHA-256 hashes of the authorized client certificates. */
      verifyCertificateHash?: string[];
      /** An optional list of base64-encoded SHA-256 hashes of the SPKIs of authorized client certificates. */
      verifyCertificateSpki?: string[];
    };
  }>;
  /** Set the default behavior of the sidecar for handling outbound traffic from the application. */
  outboundTrafficPolicy?: {
    egressProxy?: {
      /** The name of a service from the service registry. */
      host: string;
      /** Specifies the port on the host that is being addressed. */
      port?: {
        number?: number;
      };
      /** The name of a subset within the service. */
      subset?: string;
    };
    /** Valid Options: REGISTRY_ONLY, ALLOW_ANY */
    mode?: 'REGISTRY_ONLY' | 'ALLOW_ANY';
  };
  /** Criteria used to select the specific set of pods/VMs on which this `Sidecar` configuration should be applied. */
  workloadSelector?: {
    /** One or more labels that indicate a specific set of pods/VMs on which the configuration should be applied. */
    labels?: Record<string, string>;
  };
}

/** Configuration affecting VMs onboarded into the mesh. (networking.istio.io/v1 WorkloadEntry) */
export interface WorkloadEntrySpec {
  /** Address associated with the network endpoint without the port. */
  address?: string;
  /** One or more labels associated with the endpoint. */
  labels?: Record<string, string>;
  /** The locality associated with the endpoint. */
  locality?: string;
  /** Network enables Istio to group endpoints resident in the same L3 domain/network. */
  network?: string;
  /** Set of ports associated with the endpoint. */
  ports?: Record<string, number>;
  /** The service account associated with the workload if a sidecar is present in the workload. */
  serviceAccount?: string;
  /** The load balancing weight associated with the endpoint. */
  weight?: number;
}

/** Describes a collection of workload instances. (networking.istio.io/v1 WorkloadGroup) */
export interface WorkloadGroupSpec {
  /** Metadata that will be used for all corresponding `WorkloadEntries`. */
  metadata?: {
    annotations?: Record<string, string>;
    labels?: Record<string, string>;
  };
  /** `ReadinessProbe` describes the configuration the user must provide for healthchecking on their workload. */
  probe?: {
    /** Health is determined by how the command that is executed exited. */
    exec?: {
      /** Command to run. */
      command: string[];
    };
    /** Minimum consecutive failures for the probe to be considered failed after having succeeded. */
    failureThreshold?: number;
    /** GRPC call is made and response/error is used to determine health. */
    grpc?: {
      /** Port on which the endpoint lives. */
      port?: number;
      service?: string;
    };
    /** `httpGet` is performed to a given endpoint and the status/able to connect determines health. */
    httpGet?: {
      /** Host name to connect to, defaults to the pod IP. */
      host?: string;
      /** Headers the proxy will pass on to make the request. */
      httpHeaders?: Array<{
        name?: string;
        value?: string;
      }>;
      /** Path to access on the HTTP server. */
      path?: string;
      /** Port on which the endpoint lives. */
      port: number;
      scheme?: string;
    };
    /** Number of seconds after the container has started before readiness probes are initiated. */
    initialDelaySeconds?: number;
    /** How often (in seconds) to perform the probe. */
    periodSeconds?: number;
    /** Minimum consecutive successes for the probe to be considered successful after having failed. */
    successThreshold?: number;
    /** Health is determined by if the proxy is able to connect. */
    tcpSocket?: {
      host?: string;
      port: number;
    };
    /** Number of seconds after which the probe times out. */
    timeoutSeconds?: number;
  };
  /** Template to be used for the generation of `WorkloadEntry` resources that belong to this `WorkloadGroup`. */
  template: {
    /** Address associated with the network endpoint without the port. */
    address?: string;
    /** One or more labels associated with the endpoint. */
    labels?: Record<string, string>;
    /** The locality associated with the endpoint. */
    locality?: string;
    /** Network enables Istio to group endpoints resident in the same L3 domain/network. */
    network?: string;
    /** Set of ports associated with the endpoint. */
    ports?: Record<string, number>;
    /** The service account associated with the workload if a sidecar is present in the workload. */
    serviceAccount?: string;
    /** The load balancing weight associated with the endpoint. */
    weight?: number;
  };
}

/** Configuration for access control on workloads. (security.istio.io/v1 AuthorizationPolicy) */
export interface AuthorizationPolicySpec {
  /** Optional. */
  action?: 'ALLOW' | 'DENY' | 'AUDIT' | 'CUSTOM';
  /** Specifies detailed configuration of the CUSTOM action. */
  provider?: {
    /** Specifies the name of the extension provider. */
    name?: string;
  };
  /** Optional. */
  rules?: Array<{
    /** Optional. */
    from?: Array<{
      /** Source specifies the source of a request. */
      source?: {
        /** Optional. */
        ipBlocks?: string[];
        /** Optional. */
        namespaces?: string[];
        /** Optional. */
        notIpBlocks?: string[];
        /** Optional. */
        notNamespaces?: string[];
        /** Optional. */
        notPrincipals?: string[];
        /** Optional. */
        notRemoteIpBlocks?: string[];
        /** Optional. */
        notRequestPrincipals?: string[];
        /** Optional. */
        notServiceAccounts?: string[];
        /** Optional. */
        notTrustDomains?: string[];
        /** Optional. */
        principals?: string[];
        /** Optional. */
        remoteIpBlocks?: string[];
        /** Optional. */
        requestPrincipals?: string[];
        /** Optional. */
        serviceAccounts?: string[];
        /** Optional. */
        trustDomains?: string[];
      };
    }>;
    /** Optional. */
    to?: Array<{
      /** Operation specifies the operation of a request. */
      operation?: {
        /** Optional. */
        hosts?: string[];
        /** Optional. */
        methods?: string[];
        /** Optional. */
        notHosts?: string[];
        /** Optional. */
        notMethods?: string[];
        /** Optional. */
        notPaths?: string[];
        /** Optional. */
        notPorts?: string[];
        /** Optional. */
        paths?: string[];
        /** Optional. */
        ports?: string[];
      };
    }>;
    /** Optional. */
    when?: Array<{
      /** The name of an Istio attribute. */
      key: string;
      /** Optional. */
      notValues?: string[];
      /** Optional. */
      values?: string[];
    }>;
  }>;
  /** Optional. */
  selector?: {
    /** One or more labels that indicate a specific set of pods/VMs on which a policy should be applied. */
    matchLabels?: Record<string, string>;
  };
  targetRef?: {
    /** group is the group of the target resource. */
    group?: string;
    /** kind is kind of the target resource. */
    kind: string;
    /** name is the name of the target resource. */
    name: string;
    /** namespace is the namespace of the referent. */
    namespace?: string;
  };
  /** Optional. */
  targetRefs?: Array<{
    /** group is the group of the target resource. */
    group?: string;
    /** kind is kind of the target resource. */
    kind: string;
    /** name is the name of the target resource. */
    name: string;
    /** namespace is the namespace of the referent. */
    namespace?: string;
  }>;
}

/** Peer authentication configuration for workloads. (security.istio.io/v1 PeerAuthentication) */
export interface PeerAuthenticationSpec {
  /** Mutual TLS settings for workload. */
  mtls?: {
    /** Defines the mTLS mode used for peer authentication. */
    mode?: 'UNSET' | 'DISABLE' | 'PERMISSIVE' | 'STRICT';
  };
  /** Port specific mutual TLS settings. */
  portLevelMtls?: Record<string, {
    /** Defines the mTLS mode used for peer authentication. */
    mode?: 'UNSET' | 'DISABLE' | 'PERMISSIVE' | 'STRICT';
  }>;
  /** The selector determines the workloads to apply the PeerAuthentication on. */
  selector?: {
    /** One or more labels that indicate a specific set of pods/VMs on which a policy should be applied. */
    matchLabels?: Record<string, string>;
  };
}

/** Request authentication configuration for workloads. (security.istio.io/v1 RequestAuthentication) */
export interface RequestAuthenticationSpec {
  /** Define the list of JWTs that can be validated at the selected workloads' proxy. */
  jwtRules?: Array<{
    /** The list of JWT [audiences](https://tools.ietf.org/html/rfc7519#section-4.1.3) that are allowed to access. */
    audiences?: string[];
    /** If set to true, the original token will be kept for the upstream request. */
    forwardOriginalToken?: boolean;
    /** List of cookie names from which JWT is expected. */
    fromCookies?: string[];
    /** List of header locations from which JWT is expected. */
    fromHeaders?: Array<{
      /** The HTTP header name. */
      name: string;
      /** The prefix that should be stripped before decoding the token. */
      prefix?: string;
    }>;
    /** List of query parameters from which JWT is expected. */
    fromParams?: string[];
    /** Identifies the issuer that issued the JWT. */
    issuer?: string;
    /** JSON Web Key Set of public keys to validate signature of the JWT. */
    jwks?: string;
    /** URL of the provider's public key set to validate signature of the JWT. */
    jwks_uri?: string;
    /** URL of the provider's public key set to validate signature of the JWT. */
    jwksUri?: string;
    /** This field specifies a list of operations to copy the claim to HTTP headers on a successfully verified token. */
    outputClaimToHeaders?: Array<{
      /** The name of the claim to be copied from. */
      claim: string;
      /** The name of the header to be created. */
      header: string;
    }>;
    /** This field specifies the header name to output a successfully verified JWT payload to the backend. */
    outputPayloadToHeader?: string;
    /** Configures whether the JWT token must be present in the request. */
    presence?: 'OPTIONAL' | 'REQUIRED';
    /** List of JWT claim names that should be treated as space-delimited strings. */
    spaceDelimitedClaims?: string[];
    /** The maximum amount of time that the resolver, determined by the PILOT_JWT_ENABLE_REMOTE_JWKS environment variable, will spend waiting for the JWKS to be fetched. */
    timeout?: string;
  }>;
  /** Optional. */
  selector?: {
    /** One or more labels that indicate a specific set of pods/VMs on which a policy should be applied. */
    matchLabels?: Record<string, string>;
  };
  targetRef?: {
    /** group is the group of the target resource. */
    group?: string;
    /** kind is kind of the target resource. */
    kind: string;
    /** name is the name of the target resource. */
    name: string;
    /** namespace is the namespace of the referent. */
    namespace?: string;
  };
  /** Optional. */
  targetRefs?: Array<{
    /** group is the group of the target resource. */
    group?: string;
    /** kind is kind of the target resource. */
    kind: string;
    /** name is the name of the target resource. */
    name: string;
    /** namespace is the namespace of the referent. */
    namespace?: string;
  }>;
}
