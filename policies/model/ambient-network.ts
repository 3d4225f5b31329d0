/**
 * The ports and addresses of Istio's ambient data plane that policies must let through, in one place: the pack's rules
 * and connectivity predictor read them here, and the components build their objects from them (components may import
 * the pack's model; the pack imports no component). Self-contained, so that the published components can carry it.
 */

/**
 * Ambient tunnels mesh traffic between pods over HBONE to TCP port 15008 of the destination pod, so an ingress policy
 * that names ports must include it (docs/cilium-istio-facts.md#ambient-prerequisites; istio/istio.io#15580,
 * istio/ztunnel#1229; cilium/cilium#40149 moved Cilium's ambient examples to it).
 */
export const HBONE_PORT = 15008;

/**
 * The link-local source address ambient gives the kubelet's health probes (SNAT), which a default-deny policy must
 * admit (docs/cilium-istio-facts.md#ambient-prerequisites; istio/istio#49277).
 */
export const AMBIENT_PROBE_SOURCE = "169.254.7.127";

/** The same address as the one-address CIDR policies admit. */
export const AMBIENT_PROBE_CIDR = `${AMBIENT_PROBE_SOURCE}/32`;

/**
 * The name of the CiliumClusterwideNetworkPolicy Istio prescribes to admit those probes on Cilium (istio/istio#49277;
 * docs/cilium-istio-facts.md#ambient-prerequisites).
 */
export const AMBIENT_HOST_PROBES_POLICY = "allow-ambient-hostprobes";
