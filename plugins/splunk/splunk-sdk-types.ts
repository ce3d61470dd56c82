/**
 * The slice of the untyped `splunk-sdk` 2.0.2 package this plugin uses. Kept private to the
 * plugin: nothing outside `plugins/splunk/` sees an SDK type.
 */

export interface SplunkSdkServiceOptions {
  scheme: string;
  host: string;
  port: number;
  username?: string;
  password?: string;
  /** A session key or token; sent as `Authorization: <authorization> <sessionKey>`. */
  sessionKey?: string;
  authorization?: 'Splunk' | 'Bearer';
  autologin?: boolean;
  owner?: string;
  app?: string;
  /** Connection timeout in milliseconds. */
  timeout?: number;
}

/** What the SDK resolves (status < 400) or rejects (otherwise) with. */
export interface SplunkSdkResponse {
  status: number | string;
  data: unknown;
  error?: unknown;
  response?: { statusCode?: number | string; headers?: Record<string, string | string[] | undefined> };
}

export interface SplunkSdkService {
  sessionKey: string | null;
  login(responseTimeout?: number): Promise<unknown>;
  /** Context.request: path (absolute paths are used as they are), method, query, form post, raw body, headers. */
  request(
    path: string,
    method: 'GET' | 'POST' | 'DELETE',
    query: Record<string, string | string[]> | undefined,
    post: Record<string, string | string[]> | undefined,
    body: string | undefined,
    headers: Record<string, string>,
  ): Promise<SplunkSdkResponse>;
}

export type SplunkSdkServiceConstructor = new (options: SplunkSdkServiceOptions) => SplunkSdkService;
