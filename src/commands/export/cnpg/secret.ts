import type { Secret } from '../../../core/secret.js';
import type { ExportSource } from '../source.js';
import { type Manifest, metadata } from '../manifest.js';

/** Stands where a password would be: visibly not one, so an applied placeholder fails loudly. */
export const PASSWORD_PLACEHOLDER = '<not exported: see the comment above>';

export interface SecretInput {
  /** The Secret's name and the file it goes to. */
  name: string;
  file: string;
  what: string;
  namespace?: string;
  instance: string;
  user: string;
  password: Secret;
  /** The program's own superuser: `credentials --admin`. */
  admin: boolean;
  showSecrets: boolean;
}

/**
 * The command that fills the Secret from this machine. The password goes through a pipe
 * (printf is a shell builtin), never through an argument another process could read.
 */
export function fillCommand(s: SecretInput): string {
  const ns = s.namespace ? ` -n ${s.namespace}` : '';
  const creds = `resource-postgres credentials --instance ${s.instance}${s.admin ? ' --admin' : ''} --format env --show-secrets`;
  return [
    `( eval "$(${creds})"; printf %s "$POSTGRES_PASSWORD" ) |`,
    `  kubectl create secret generic ${s.name}${ns} --type=kubernetes.io/basic-auth \\`,
    `    --from-literal=username=${s.user} --from-file=password=/dev/stdin`,
  ].join('\n');
}

/** A kubernetes.io/basic-auth Secret: the password only when asked for, else a placeholder and the fill command. */
export function basicAuthSecret(s: SecretInput): Manifest {
  const comment = s.showSecrets
    ? [
        `${s.what}.`,
        'It holds the password in clear (--show-secrets): keep this file as private as the instance itself.',
      ]
    : [
        `${s.what}.`,
        'The password is not exported (add --show-secrets for it). Instead of applying this',
        'document, create the Secret from this machine with:',
        '',
        ...fillCommand(s).split('\n'),
      ];
  return {
    file: s.file,
    comment: comment.join('\n'),
    body: {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: metadata(s.name, s.namespace),
      type: 'kubernetes.io/basic-auth',
      stringData: { username: s.user, password: s.showSecrets ? s.password.reveal() : PASSWORD_PLACEHOLDER },
    },
  };
}

/** The CA the instance's certificate chains to, for the import's sslmode verify-full (a certificate: no secret in it). */
export function sourceCaSecret(src: ExportSource, name: string, namespace?: string): Manifest {
  return {
    file: 'secret-source-ca.yaml',
    comment: `The CA certificate of instance ${src.name}'s home (${src.tls!.caFile}): the import verifies the instance with it (sslmode verify-full).`,
    body: {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: metadata(name, namespace),
      type: 'Opaque',
      stringData: { 'ca.crt': src.tls!.caPem },
    },
  };
}
