/**
 * The shape of the demo NamespaceDemo deploys, in one place: the component builds these objects and the connectivity
 * predictor and the review reports recognise the demo by them.
 */

/** The demo's client Deployment (its container runs curl) in each client namespace. */
export const DEMO_CLIENT = "netshoot";
/** The demo's server: the Deployment, its `app` label and the Service in front of it. */
export const DEMO_SERVER = "httpbin";
/** The port httpbin listens on and its Service serves. */
export const DEMO_PORT = 80;
/** `/ip` is what the demo's L7 rule admits; `/deny` is any other path. */
export const CHECK_PATHS = ["/ip", "/deny"] as const;
