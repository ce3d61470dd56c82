import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Throwaway certificates made with openssl for one test run: a CA, a server certificate for
 * 127.0.0.1 signed by it (MSAL accepts only https authorities, and the Graph client sends its token
 * only to https hosts), and a self-signed client certificate for the certificate credential. The
 * client trusts the CA through its own configuration (`caFile`); nothing is disabled globally.
 */

export interface TestPki {
  dir: string;
  caFile: string;
  caPem: string;
  serverKey: string;
  serverCert: string;
  /** PEM with the client certificate and its private key (what ClientCertificateCredential reads). */
  clientPemFile: string;
  clientCertPem: string;
  cleanup(): void;
}

export function createTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'verdict-ms-pki-'));
  const path = (name: string): string => join(dir, name);
  const openssl = (...args: string[]): void => void execFileSync('openssl', args, { stdio: 'pipe' });
  openssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '2',
    '-subj',
    '/CN=Verdict test CA',
    '-keyout',
    path('ca.key'),
    '-out',
    path('ca.pem'),
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  );
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-keyout', path('server.key'), '-out', path('server.csr'));
  writeFileSync(path('server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n');
  openssl('x509', '-req', '-in', path('server.csr'), '-CA', path('ca.pem'), '-CAkey', path('ca.key'), '-CAcreateserial', '-days', '2', '-extfile', path('server.ext'), '-out', path('server.pem'));
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=verdict-sentinel-app', '-keyout', path('client.key'), '-out', path('client.pem'));
  const clientCertPem = readFileSync(path('client.pem'), 'utf8');
  writeFileSync(path('client-with-key.pem'), `${readFileSync(path('client.key'), 'utf8')}${clientCertPem}`);
  return {
    dir,
    caFile: path('ca.pem'),
    caPem: readFileSync(path('ca.pem'), 'utf8'),
    serverKey: readFileSync(path('server.key'), 'utf8'),
    serverCert: readFileSync(path('server.pem'), 'utf8'),
    clientPemFile: path('client-with-key.pem'),
    clientCertPem,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
