import { describe, expect, it } from 'vitest';
import { createPseudonymizer, isInternalIp } from '../../core/reason/pseudonymize.js';
import { AlertV1Schema } from '../../core/spec/alert.js';
import { aitSudoAlert, bitsadminAlert } from './fixtures.js';

const options = { fields: ['employeeId'], internalDomains: ['corp.example.com'] };

describe('pseudonymizer', () => {
  it('gives users, hosts and internal addresses stable tokens and lets public data pass', () => {
    const alert = bitsadminAlert();
    const pseudonymizer = createPseudonymizer(options);
    pseudonymizer.registerAlert(alert);
    const view = pseudonymizer.value(alert.entities.map((entity) => entity.value)) as string[];
    expect(view[0]).toBe('HOST_1');
    expect(view[1]).toBe('HOST_1\\USER_1');
    expect(view[3]).toBe(alert.entities[3]!.value); // hash
    expect(view[4]).toBe('https://www.atomicredteam.io/atomic-red-team/atomics/T1218.011');
    expect(pseudonymizer.text('C:\\Users\\xodih\\AppData\\Local\\Temp\\')).toBe('C:\\Users\\USER_1\\AppData\\Local\\Temp\\');
    // Same value, same token; matching ignores case as Windows names do.
    expect(pseudonymizer.text('SWACHCHHANDA')).toBe('HOST_1');
  });

  it('finds emails, private addresses, profile folders and internal names in free text', () => {
    const pseudonymizer = createPseudonymizer(options);
    pseudonymizer.registerAlert(aitSudoAlert());
    const text = 'sudo by alice@corp.example.com from 10.143.2.4 and 172.16.9.9 to 8.8.8.8; /home/bob/.ssh; db1.corp.example.com; fe80::1; intranet_server';
    const sent = pseudonymizer.text(text);
    expect(sent).toBe('sudo by EMAIL_1 from IP_1 and IP_2 to 8.8.8.8; /home/USER_1/.ssh; HOST_2; IP_3; HOST_1');
    expect(pseudonymizer.restore(sent)).toBe(text);
  });

  it('does not touch words that merely contain a name, nor shared profile folders', () => {
    const pseudonymizer = createPseudonymizer(options);
    pseudonymizer.registerAlert(AlertV1Schema.parse({ ...aitSudoAlert(), entities: [{ kind: 'user', value: 'ali' }] }));
    expect(pseudonymizer.text('malice by ali in C:\\Users\\Public\\x.exe')).toBe('malice by USER_1 in C:\\Users\\Public\\x.exe');
  });

  it('tokenizes configured fields, and restores deep values including keys', () => {
    const alert = AlertV1Schema.parse({ ...aitSudoAlert(), fields: { employeeId: 'E-77', other: 'kept' } });
    const pseudonymizer = createPseudonymizer(options);
    pseudonymizer.registerAlert(alert);
    const sent = pseudonymizer.value({ fields: alert.fields, intranet_server: ['10.143.2.4'] });
    expect(sent).toEqual({ fields: { employeeId: 'VALUE_1', other: 'kept' }, HOST_1: ['IP_1'] });
    expect(pseudonymizer.restoreValue(sent)).toEqual({ fields: alert.fields, intranet_server: ['10.143.2.4'] });
    expect(pseudonymizer.tokens()).toEqual([
      { token: 'HOST_1', kind: 'HOST' },
      { token: 'IP_1', kind: 'IP' },
      { token: 'VALUE_1', kind: 'VALUE' },
    ]);
  });

  it('leaves unknown tokens alone when restoring', () => {
    expect(createPseudonymizer(options).restore('USER_9 met HOST_4')).toBe('USER_9 met HOST_4');
  });

  it('classifies internal addresses', () => {
    for (const address of ['10.0.0.1', '172.31.255.255', '192.168.1.1', '127.0.0.1', '169.254.1.1', '100.64.0.1', '::1', 'fd00::1', 'fe80::abcd']) expect(isInternalIp(address)).toBe(true);
    for (const address of ['8.8.8.8', '172.32.0.1', '203.0.113.7', '2001:4860:4860::8888', 'not-an-ip']) expect(isInternalIp(address)).toBe(false);
  });
});
