/** The public sources the generator reads, with the commit and licence each derived file must carry. */
export interface SourceRecord {
  name: string;
  repository: string;
  commit: string;
  files: string;
  licence: string;
  notice?: string;
}

export const ATTACK_SOURCE: SourceRecord = {
  name: 'MITRE ATT&CK Enterprise v18.1',
  repository: 'https://github.com/mitre/cti',
  commit: '421deacb77191b38bdd1bf63268954e93da91365',
  files: 'enterprise-attack/attack-pattern/* (as ../shared/data/attack/enterprise-techniques.json)',
  licence: 'ATT&CK terms of use',
  notice: '© 2025 The MITRE Corporation. This work is reproduced and distributed with the permission of The MITRE Corporation.',
};

export const ATOMIC_SOURCE: SourceRecord = {
  name: 'Atomic Red Team',
  repository: 'https://github.com/redcanaryco/atomic-red-team',
  commit: '9f85cf3e54b0cbdd6c702375c555273913eff442',
  files: 'atomics/T*/T*.yaml',
  licence: 'MIT',
  notice:
    'Copyright (c) 2025 Red Canary, Inc. Permission is hereby granted, free of charge, to any person obtaining a copy of this software and associated documentation files (the "Software"), to deal in the Software without restriction, subject to the MIT licence conditions; the full notice is in ../shared/data/atomic-red-team/LICENSE.txt and must stay with any copy.',
};

export const ELASTIC_SOURCE: SourceRecord = {
  name: 'Elastic detection rules (rule names and ATT&CK tags)',
  repository: 'https://github.com/elastic/detection-rules',
  commit: '14cf530f0d2177023092449cd9d9348b4a8884c2',
  files: 'rules/**.toml, rules_building_block/**.toml (rule.name, rule.threat)',
  licence: 'Elastic License 2.0',
};

export const SPLUNK_SOURCE: SourceRecord = {
  name: 'Splunk security content (detection names and ATT&CK tags)',
  repository: 'https://github.com/splunk/security_content',
  commit: 'b13b314aed0e1778335a55620474e7d27289a20a',
  files: 'detections/**.yml (name, tags.mitre_attack_id)',
  licence: 'Apache-2.0',
};

export const CURATED_SOURCE = (file: string, basis: string): SourceRecord => ({
  name: `Verdict curated knowledge (${file})`,
  repository: 'this repository',
  commit: 'scripts/knowledge/sources/' + file,
  files: file,
  licence: 'Apache-2.0',
  notice: basis,
});
