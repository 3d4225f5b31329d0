export interface ConnectivityAnswer { from: string; to: string; path: string; code: string; reason: string }
export function predictConnectivity(_r: unknown[]): ConnectivityAnswer[] { return []; }
