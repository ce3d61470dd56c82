import { createHash, randomBytes, randomUUID, verify, X509Certificate, constants } from 'node:crypto';

/**
 * The Microsoft Entra v2.0 token endpoint for the client-credentials grant: client secret, or a
 * client assertion (a JWT signed with the app's certificate: RS256 + `x5t`, or PS256 +
 * `x5t#S256`), checked as Entra does (signature, thumbprint, `aud` = the token endpoint,
 * `iss` = `sub` = client id, `exp`/`nbf`). Errors are Entra's OAuth error bodies with AADSTS codes.
 */

export interface AppRegistration {
  clientId: string;
  displayName: string;
  clientSecret?: string;
  /** PEM of the certificate registered under Certificates & secrets. */
  certificatePem?: string;
  /** Graph application permissions granted (with admin consent). */
  graphRoles: string[];
  /** Azure RBAC role on the Sentinel workspace. */
  armRole?: 'Microsoft Sentinel Responder' | 'Microsoft Sentinel Reader';
}

export interface IssuedToken {
  appId: string;
  tenantId: string;
  audience: string;
  expiresAt: number;
}

export interface OAuthError {
  status: number;
  body: Record<string, unknown>;
}

export class TokenService {
  readonly tokens = new Map<string, IssuedToken>();
  readonly requests: Array<{ clientId: string; grant: 'secret' | 'assertion'; ok: boolean }> = [];
  private readonly usedJwtIds = new Set<string>();

  constructor(
    private readonly tenantId: string,
    private readonly apps: Map<string, AppRegistration>,
    /** Resources tokens can be issued for (Graph root, ARM root). */
    private readonly resources: () => string[],
    private readonly now: () => number,
  ) {}

  openIdConfiguration(baseUrl: string, tenant: string): Record<string, unknown> {
    const root = `${baseUrl}/${tenant}`;
    return {
      token_endpoint: `${root}/oauth2/v2.0/token`,
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      jwks_uri: `${baseUrl}/${tenant}/discovery/v2.0/keys`,
      response_modes_supported: ['query', 'fragment', 'form_post'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      issuer: `${baseUrl}/${this.tenantId}/v2.0`,
      request_uri_parameter_supported: false,
      userinfo_endpoint: `${baseUrl}/oidc/userinfo`,
      authorization_endpoint: `${root}/oauth2/v2.0/authorize`,
      device_authorization_endpoint: `${root}/oauth2/v2.0/devicecode`,
      http_logout_supported: true,
      frontchannel_logout_supported: true,
      end_session_endpoint: `${root}/oauth2/v2.0/logout`,
      claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'nbf', 'tid'],
      tenant_region_scope: 'EU',
      cloud_instance_name: 'microsoftonline.com',
    };
  }

  /** POST /{tenant}/oauth2/v2.0/token. */
  issue(tenant: string, form: URLSearchParams, tokenEndpoint: string): { status: 200; body: Record<string, unknown> } | OAuthError {
    if (tenant !== this.tenantId)
      return this.error(400, 'invalid_tenant', 90002, `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`);
    if (form.get('grant_type') !== 'client_credentials') return this.error(400, 'unsupported_grant_type', 70003, 'The app requested an unsupported grant type.');
    const clientId = form.get('client_id') ?? '';
    const app = this.apps.get(clientId);
    if (!app) return this.error(400, 'unauthorized_client', 700016, `Application with identifier '${clientId}' was not found in the directory '${tenant}'.`);
    const scope = form.get('scope') ?? '';
    const resource = scope.endsWith('/.default') ? scope.slice(0, -'/.default'.length) : undefined;
    if (!resource || scope.includes(' '))
      return this.error(
        400,
        'invalid_scope',
        1002012,
        `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
      );
    if (!this.resources().includes(resource)) return this.error(400, 'invalid_resource', 500011, `The resource principal named ${resource} was not found in the tenant named ${tenant}.`);
    const assertionType = form.get('client_assertion_type');
    const secret = form.get('client_secret');
    let grant: 'secret' | 'assertion';
    if (assertionType !== null) {
      grant = 'assertion';
      if (assertionType !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer') return this.error(400, 'invalid_request', 50027, 'Invalid client_assertion_type.');
      const problem = this.checkAssertion(app, form.get('client_assertion') ?? '', tokenEndpoint);
      if (problem) {
        this.requests.push({ clientId, grant, ok: false });
        return this.error(401, 'invalid_client', problem.code, problem.message);
      }
    } else if (secret !== null) {
      grant = 'secret';
      if (!app.clientSecret || secret !== app.clientSecret) {
        this.requests.push({ clientId, grant, ok: false });
        return this.error(
          401,
          'invalid_client',
          7000215,
          `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`,
        );
      }
    } else {
      return this.error(401, 'invalid_client', 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
    }
    this.requests.push({ clientId, grant, ok: true });
    const accessToken = `emu.${randomBytes(24).toString('base64url')}`;
    this.tokens.set(accessToken, { appId: clientId, tenantId: tenant, audience: resource, expiresAt: this.now() + 3599_000 });
    return { status: 200, body: { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: accessToken } };
  }

  private checkAssertion(app: AppRegistration, assertion: string, tokenEndpoint: string): { code: number; message: string } | undefined {
    if (!app.certificatePem) return { code: 700027, message: 'Client assertion failed signature validation: no certificate is registered for the application.' };
    const parts = assertion.split('.');
    if (parts.length !== 3) return { code: 50012, message: 'Client assertion is not a valid JWT.' };
    let header: Record<string, unknown>;
    let payload: Record<string, unknown>;
    try {
      header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8')) as Record<string, unknown>;
      payload = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
    } catch {
      return { code: 50012, message: 'Client assertion is not a valid JWT.' };
    }
    const certificate = new X509Certificate(app.certificatePem);
    const sha1 = Buffer.from(certificate.fingerprint.replace(/:/g, ''), 'hex').toString('base64url');
    const sha256 = Buffer.from(certificate.fingerprint256.replace(/:/g, ''), 'hex').toString('base64url');
    const thumbprintMatches = header['x5t#S256'] === sha256 || header.x5t === sha1;
    if (!thumbprintMatches)
      return {
        code: 700027,
        message: `The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., Thumbprint of key used by client: '${String(header['x5t#S256'] ?? header.x5t)}']`,
      };
    const signed = Buffer.from(`${parts[0]}.${parts[1]}`);
    const signature = Buffer.from(parts[2]!, 'base64url');
    const key = certificate.publicKey;
    const isValid =
      header.alg === 'RS256'
        ? verify('sha256', signed, key, signature)
        : header.alg === 'PS256'
          ? verify('sha256', signed, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, signature)
          : false;
    if (!isValid) return { code: 700027, message: `Client assertion failed signature validation (alg ${String(header.alg)}).` };
    const nowSeconds = Math.floor(this.now() / 1000);
    if (payload.aud !== tokenEndpoint)
      return { code: 700212, message: `No matching federated identity record found for presented assertion audience '${String(payload.aud)}'; expected ${tokenEndpoint}.` };
    if (payload.iss !== app.clientId || payload.sub !== app.clientId) return { code: 700021, message: "Client assertion application identifier doesn't match 'client_id' parameter." };
    if (typeof payload.exp !== 'number' || payload.exp < nowSeconds - 300) return { code: 700024, message: 'Client assertion is not within its valid time range.' };
    if (typeof payload.nbf === 'number' && payload.nbf > nowSeconds + 300) return { code: 700024, message: 'Client assertion is not within its valid time range.' };
    const jwtId = typeof payload.jti === 'string' ? payload.jti : createHash('sha256').update(assertion).digest('hex');
    // MSAL reuses an assertion until it expires; a replay of the same jti is tolerated for the same app.
    this.usedJwtIds.add(jwtId);
    return undefined;
  }

  private error(status: number, error: string, code: number, description: string): OAuthError {
    const traceId = randomUUID();
    const correlationId = randomUUID();
    const timestamp = new Date(this.now())
      .toISOString()
      .replace('T', ' ')
      .replace(/\.\d+Z$/, 'Z');
    return {
      status,
      body: {
        error,
        error_description: `AADSTS${code}: ${description} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
        error_codes: [code],
        timestamp,
        trace_id: traceId,
        correlation_id: correlationId,
        error_uri: `https://login.microsoftonline.com/error?code=${code}`,
      },
    };
  }

  /** The token of a request, if valid for `audience`. */
  authenticate(authorization: string | undefined, audience: string): { token?: IssuedToken; problem?: string } {
    const match = /^Bearer (\S+)$/.exec(authorization ?? '');
    if (!match) return { problem: 'Access token is empty.' };
    const token = this.tokens.get(match[1]!);
    if (!token) return { problem: 'Access token validation failure. Invalid token.' };
    if (token.expiresAt < this.now()) return { problem: 'Lifetime validation failed, the token is expired.' };
    if (token.audience !== audience) return { problem: 'Access token validation failure. Invalid audience.' };
    return { token };
  }
}
